// What the kernel hands the root task (seL4's BootInfo, smaller). The root
// task starts at its ELF entry with rdi = the address of this page, mapped
// read-only, and rsp at the top of a stack; its IPC buffer is mapped at
// BootInfo::ipc_buffer.
#pragma once

#include <cstdint>

namespace septum::abi {

// Slots of the root task's CNode (radix BootInfo::cnode_radix, guard chosen
// so that a full 64-bit address resolves, i.e. depth 64 works everywhere).
enum class InitialSlot : std::uint64_t {
    null = 0,
    cnode = 1,       // the root CNode itself
    vspace = 2,      // the root task's PML4
    tcb = 3,         // the root task's TCB
    ipc_buffer = 4,  // the Frame holding the IPC buffer
    bootinfo = 5,    // the Frame holding this page
    io_ports = 6,    // IOPortRange 0-0xffff
};

struct SlotRange {
    std::uint64_t first;  // first slot
    std::uint64_t count;
};

struct UntypedDescription {
    std::uint64_t phys;      // physical base
    std::uint8_t size_bits;  // log2 of the size
    std::uint8_t reserved[7];
};

// A module's bytes are mapped at an address congruent to their physical
// address modulo 2 MiB, so that its 2 MiB-aligned interior can be 2 MiB
// frames: the root task hands such frames on to several address spaces
// (a Linux kernel shared read-only by its tenants' VMMs) at a few slots
// each. Its Frame capabilities are `frames` of the root CNode, in address
// order: 4 KiB frames up to the first 2 MiB boundary, 2 MiB frames while a
// whole one fits, 4 KiB frames for the rest.
struct ModuleDescription {
    std::uint64_t address;  // where the module's bytes are mapped in the root task, read-only
    std::uint64_t size;
    SlotRange frames;
    char name[48];  // the module's command line from the boot loader, truncated
};

// Where the kernel puts the root task's stack, IPC buffer, BootInfo and
// the boot modules (read-only); the ELF image must stay below root_task_top.
inline constexpr std::uint64_t root_task_top = 0x00007ff000000000;
inline constexpr std::uint64_t root_task_stack_top = 0x00007ff000000000;
inline constexpr std::uint64_t root_task_stack_pages = 16;
inline constexpr std::uint64_t root_task_ipc_buffer = 0x00007ff000001000;
inline constexpr std::uint64_t root_task_bootinfo = 0x00007ff000002000;
inline constexpr std::uint64_t root_task_modules = 0x00007ff100000000;

inline constexpr std::uint64_t bootinfo_magic = 0x4f464e49544f4f42;  // "BOOTINFO"
inline constexpr unsigned max_untyped_descriptions = 128;
inline constexpr unsigned max_modules = 16;
inline constexpr unsigned irq_lines = 16;  // legacy ISA interrupt lines

struct BootInfo {
    std::uint64_t magic;
    std::uint64_t cnode_radix;
    std::uint64_t ipc_buffer;  // address of the root task's IPC buffer
    SlotRange image;           // paging structures and Frames of the root task's own image and stack
    SlotRange empty;           // free slots of the root CNode
    SlotRange untyped;         // one Untyped capability each, described in untyped_list
    SlotRange irqs;            // IRQHandler capabilities for lines 0..irq_lines-1, in order
    SlotRange module_frames;   // Frame capabilities of all modules, in order (ModuleDescription::frames)
    char cmdline[128];         // the root task module's command line from the boot loader
    std::uint64_t tsc_khz;     // the TSC's rate as the kernel measured it (its scheduler's clock)
    // The time of day: the machine's CMOS clock read once at boot (taken as
    // UTC), in seconds since 1970, and the TSC when it was read; the time
    // now is unix_seconds_at_boot + (TSC - unix_seconds_tsc) / tsc_khz / 1000.
    // Both 0 when the clock could not be read.
    std::uint64_t unix_seconds_at_boot;
    std::uint64_t unix_seconds_tsc;
    std::uint64_t module_count;
    ModuleDescription modules[max_modules];
    UntypedDescription untyped_list[max_untyped_descriptions];
};
static_assert(sizeof(BootInfo) <= 4096, "BootInfo fits one page");

}  // namespace septum::abi
