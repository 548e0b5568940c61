// Guest images into guest memory, and the initial VCPU state to start them:
// a flat binary entered in real mode (unrestricted guest), and a Multiboot
// v1 ELF32 kernel entered in 32-bit protected mode as the Multiboot
// specification (0.6.96, section 3.2) says. Every offset, size and address
// of the image is checked; a malformed image is a Status, never a crash or
// a write outside guest RAM.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "guest_memory.hpp"
#include "image.hpp"

namespace septum::vmm {

// Copies a flat image to `load_address` (below 1 MiB) and returns real-mode
// state entering it at CS:IP = (load_address >> 4):(load_address & 0xf).
Result<abi::VcpuState> load_flat(GuestMemory& memory, Image image, std::uint64_t load_address);

struct MultibootOptions {
    std::uint64_t ram_size;      // guest RAM is [0, ram_size), for the memory map
    std::uint64_t info_address;  // where the Multiboot information goes (with the map and command line)
    const char* command_line;    // nullptr for none
};

inline constexpr std::uint32_t multiboot_header_magic = 0x1badb002;
inline constexpr std::uint32_t multiboot_boot_magic = 0x2badb002;

// Loads the PT_LOAD segments at their physical addresses, writes the
// Multiboot information and returns the entry state: EAX = 0x2BADB002,
// EBX = info address, flat 4 GiB code and data segments, CR0.PE, no paging.
// invalid_argument: not a Multiboot ELF32 we can boot; out_of_range: a
// segment or the information outside guest RAM or the image.
Result<abi::VcpuState> load_multiboot(GuestMemory& memory, Image image, const MultibootOptions& options);

// The two starting states on their own (also what a reset restores).
abi::VcpuState real_mode_entry(std::uint64_t address);
abi::VcpuState protected_mode_entry(std::uint32_t entry);

}  // namespace septum::vmm
