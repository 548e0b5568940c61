// Linux kernels into guest memory, by either of the two ways a VMM may
// start one, and the VCPU state that enters them:
//
//  - PVH (load_linux_pvh): an uncompressed ELF64 vmlinux, its segments at
//    their physical addresses, entered in 32-bit protected mode at its
//    XEN_ELFNOTE_PHYS32_ENTRY with EBX pointing at an hvm_start_info;
//  - the Linux/x86 64-bit boot protocol (load_linux_bzimage): a bzImage's
//    protected-mode part at its preferred (or an aligned) address, entered
//    at startup_64 in long mode with identity page tables and RSI pointing
//    at boot_params.
//
// The kernel, its initrd and the memory map are the loaders' input; every
// field of the images is untrusted. Everything is checked before anything
// is written, so a refused image leaves guest memory as it was, and the
// reason is a LinuxError with a sentence for the console.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "boot_info.hpp"
#include "guest_memory.hpp"
#include "image.hpp"

namespace septum::vmm {

// X(name, status, sentence).
#define SEPTUM_LINUX_ERRORS(X)                                                                                   \
    X(ok, ok, "loaded")                                                                                          \
    X(bad_memory_map, invalid_argument,                                                                          \
      "the memory map is empty, unsorted, overlapping, too long, or has RAM that guest memory does not back")    \
    X(boot_data_outside_ram, out_of_range, "the boot data area is not in guest RAM")                             \
    X(command_line_too_long, out_of_range, "the command line is longer than the kernel accepts")                 \
    X(not_elf64, invalid_argument, "not an ELF64 x86-64 executable")                                             \
    X(truncated, invalid_argument, "the image ends inside a header, table, note or segment it declares")         \
    X(bad_program_headers, invalid_argument,                                                                     \
      "the ELF program header table has the wrong entry size or runs past the image")                            \
    X(bad_segment, invalid_argument, "a segment's file size exceeds its memory size, or its end wraps")          \
    X(no_segments, invalid_argument, "the image has no loadable segment")                                        \
    X(too_many_segments, invalid_argument, "the image has more loadable segments than a kernel needs")           \
    X(segments_overlap, invalid_argument, "two loadable segments overlap, or the kernel spans the boot data")    \
    X(segment_outside_ram, out_of_range, "a loadable segment lies outside guest RAM or above 4 GiB")             \
    X(no_pvh_entry, invalid_argument, "no XEN_ELFNOTE_PHYS32_ENTRY note: the kernel has no PVH entry")           \
    X(bad_pvh_entry, invalid_argument, "the PVH entry point is not in a loaded segment's file bytes")            \
    X(not_bzimage, invalid_argument, "no Linux boot header (boot flag 0xAA55, a short jump, \"HdrS\")")          \
    X(protocol_too_old, invalid_argument, "boot protocol older than 2.12: no 64-bit entry")                      \
    X(not_64bit, invalid_argument, "the kernel has no 64-bit entry (xloadflags XLF_KERNEL_64 clear)")            \
    X(bad_setup_header, invalid_argument,                                                                        \
      "a setup header field is out of its domain (setup size, code size, alignment, init_size or loadflags)")    \
    X(kernel_does_not_fit, out_of_range, "no place in guest RAM below 4 GiB holds the kernel and its init_size") \
    X(initrd_does_not_fit, out_of_range, "the initrd does not fit in guest RAM beside the kernel")               \
    X(memory_failed, out_of_range, "a write to guest memory failed")

enum class LinuxError : std::uint8_t {
#define SEPTUM_LINUX_ERROR_ENUM(name, status, sentence) name,
    SEPTUM_LINUX_ERRORS(SEPTUM_LINUX_ERROR_ENUM)
#undef SEPTUM_LINUX_ERROR_ENUM
};

// The sentence for a console line, and the Status a report carries.
const char* describe(LinuxError error);
Status status_of(LinuxError error);

// One entry of the guest's physical memory map. RAM entries must be backed
// by guest memory; the others describe what is there (tables, holes).
struct MemoryRegion {
    std::uint64_t base;
    std::uint64_t size;
    RegionType type;
};

struct MemoryMap {
    const MemoryRegion* regions;  // sorted by base, not overlapping
    std::size_t count;
};

inline constexpr std::size_t max_memory_regions = 32;

// The PC layout of guest RAM [0, ram_size): conventional memory up to the
// EBDA, the EBDA, video memory and BIOS area reserved (where an MP table
// may go), RAM from 1 MiB. Returns the map over `out`.
MemoryMap pc_memory_map(std::uint64_t ram_size, MemoryRegion (&out)[3]);

struct LinuxOptions {
    MemoryMap map;
    const char* command_line;  // nullptr: none
    Image initrd;              // size 0: none
};

// Where the loader put things, for the console and the tests.
struct LinuxPlacement {
    std::uint64_t kernel_base, kernel_end;  // what the kernel may use from its load: [base, end)
    std::uint64_t initrd_base, initrd_size;
    std::uint64_t boot_info;  // hvm_start_info or boot_params
    std::uint64_t command_line;
    std::uint64_t entry;
};

struct LinuxLoad {
    LinuxError error;
    abi::VcpuState state;  // the entry state, when error is ok
    LinuxPlacement placement;
    [[nodiscard]] bool ok() const { return error == LinuxError::ok; }
};

LinuxLoad load_linux_pvh(GuestMemory& memory, Image vmlinux, const LinuxOptions& options);
LinuxLoad load_linux_bzimage(GuestMemory& memory, Image bzimage, const LinuxOptions& options);

}  // namespace septum::vmm
