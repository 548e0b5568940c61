// Where the root task puts a cell's parts in its VMM's address space, and
// where a program's segments may lie. The builder (roottask/cells) maps
// them there and need.cpp counts the page tables they take, from these
// same addresses. The VMM learns them from its CellInfo page.
#pragma once

#include <cstdint>

#include "septum/user/layout.hpp"

namespace septum::roottask::layout {

inline constexpr std::uint64_t vmm_cell_info = 0x10000000, vmm_state_page = 0x10001000, vmm_console = 0x10002000,
                               vmm_input = 0x10003000, vmm_apic_page = 0x10004000;
// The guest image: a copy at vmm_image, or a Linux kernel's boot module
// at vmm_image plus its offset in its 2 MiB region (need.hpp), and its
// initrd's likewise at vmm_initrd.
inline constexpr std::uint64_t vmm_image = 0x30000000, vmm_initrd = 0x40000000;
// Guest RAM, up to max_guest_ram (check.hpp), at a 1 GiB boundary: with
// 2 MiB pages each GiB of it takes one page directory.
inline constexpr std::uint64_t vmm_guest_ram = 0x100000000;

// A program's loadable segments lie in [program_min, program_max).
inline constexpr std::uint64_t program_min = 0x1000, program_max = 0x00007ff000000000;

// A program's CSpace is one CNode of this radix (roottask/env.hpp says how
// the root task reaches its slots).
inline constexpr std::uint8_t program_cnode_radix = 8;

// A thread's stack and IPC buffer never straddle a 2 MiB boundary, whatever
// its stack window (user/layout.hpp): window tops are odd multiples of
// stack_window, so a stack below its top and the buffer page above it stay
// inside the 2 MiB region of the top. The page tables they take are the
// same for every window.
inline constexpr std::uint64_t two_mib = std::uint64_t{1} << 21;
static_assert(two_mib % (2 * user::stack_window) == 0, "window tops are odd multiples of stack_window in 2 MiB");
static_assert(user::thread_stack_pages * user::page_size <= user::stack_window &&
                  user::ipc_buffer_offset + user::page_size <= user::stack_window,
              "a stack and its IPC buffer stay within a window of their top");

}  // namespace septum::roottask::layout
