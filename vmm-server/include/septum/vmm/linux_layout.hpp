// What the two Linux loaders (linux.hpp) share: the boot data's places in
// low memory, the memory map's checks, the search for room in RAM, the
// command line, the GDT, the identity page tables and the entry states.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "guest_memory.hpp"
#include "linux.hpp"

// Early return of a failed LinuxError.
#define SEPTUM_TRY_LINUX(expr)                                          \
    do {                                                                \
        if (const ::septum::vmm::LinuxError septum_try_linux_ = (expr); \
            septum_try_linux_ != ::septum::vmm::LinuxError::ok) {       \
            return septum_try_linux_;                                   \
        }                                                               \
    } while (false)

namespace septum::vmm::linux_boot {

// The boot data, in conventional memory below the EBDA. Linux reads it
// before it allocates anything and keeps the first MiB to itself, so it is
// never in the kernel's way.
inline constexpr std::uint64_t gdt = 0x6000;
inline constexpr std::uint64_t info = 0x7000;  // hvm_start_info, its module list and memory map; or boot_params
inline constexpr std::uint64_t command_line = 0x8000;
inline constexpr std::uint64_t command_line_room = 0x1000;  // with the NUL
inline constexpr std::uint64_t page_tables = 0x9000;        // PML4, PDPT, four page directories
inline constexpr std::uint64_t end = 0xf000;
inline constexpr std::uint64_t page = 0x1000;
inline constexpr std::uint64_t four_gib = std::uint64_t{1} << 32;

// The GDT's selectors: the boot protocol's __BOOT_CS and __BOOT_DS, and a
// 32-bit code segment for the PVH entry.
inline constexpr std::uint16_t code32_selector = 0x08;
inline constexpr std::uint16_t code64_selector = 0x10;
inline constexpr std::uint16_t data_selector = 0x18;

struct Range {
    std::uint64_t base;
    std::uint64_t size;
};

constexpr bool overlaps(Range a, Range b) {
    return a.size != 0 && b.size != 0 && a.base < b.base + b.size && b.base < a.base + a.size;
}

// Whether `r` (which must not wrap) lies wholly inside one RAM region.
bool in_ram(const MemoryMap& map, Range r);

// The memory map's shape (sorted, disjoint, known types, RAM backed by
// `memory`), and the boot data area inside its RAM.
LinuxError check_map(const GuestMemory& memory, const MemoryMap& map);

// The highest page-aligned base for `size` bytes of RAM that end at or
// below `limit` and overlap none of `avoid`.
bool place_high(const MemoryMap& map, std::uint64_t size, std::uint64_t limit, const Range* avoid, std::size_t n,
                std::uint64_t& out);

// The lowest base aligned to `align` (a power of two), at or above
// `floor`, for `size` bytes of RAM ending at or below `limit`, not
// overlapping `avoid`.
bool place_low(const MemoryMap& map, std::uint64_t size, std::uint64_t align, std::uint64_t floor, std::uint64_t limit,
               Range avoid, std::uint64_t& out);

// The command line's length without its NUL, if it has at most `max`
// characters (nullptr is empty).
LinuxError command_line_length(const char* command_line, std::uint64_t max, std::uint64_t& out);

// Writers of the boot data; each a Status from guest memory.
Status write_le(GuestMemory& memory, std::uint64_t gpa, std::uint64_t value, unsigned bytes);
Status write_command_line(GuestMemory& memory, const char* command_line, std::uint64_t length);
Status write_gdt(GuestMemory& memory);
// Page tables mapping [0, 4 GiB) to itself with 2 MiB pages, at page_tables.
Status write_identity_page_tables(GuestMemory& memory);

// The PVH entry state (start_info.h): 32-bit protected mode, paging off,
// flat segments, EBX the start information.
abi::VcpuState pvh_entry(std::uint32_t entry, std::uint32_t start_info);
// The 64-bit boot protocol's entry state: long mode on the identity page
// tables, __BOOT_CS and __BOOT_DS, interrupts off, RSI the zero page.
abi::VcpuState long_mode_entry(std::uint64_t entry, std::uint64_t boot_params);

// A failed write of guest memory as the loaders report it.
constexpr LinuxError from_status(Status s) { return s == Status::ok ? LinuxError::ok : LinuxError::memory_failed; }

}  // namespace septum::vmm::linux_boot
