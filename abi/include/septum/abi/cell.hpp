// What a VMM server finds when the root task starts it: rdi holds the
// address of its CellInfo page (read-only), and its CSpace (one CNode,
// addresses are slot indices) holds the capabilities below, and nothing
// else: its guest's VCPU, the Endpoint on which it reports to the root
// task, the Notification that tells the root task its console has new
// bytes (or room for input) and the Notification bound to its thread that
// wakes it. Its guest's memory, its guest's image and initrd (read-only),
// its console ring and its input ring are mapped in its address space; it
// maps nothing of any other cell.
#pragma once

#include <cstdint>

namespace septum::abi {

enum class CellSlot : std::uint64_t {
    null = 0,
    report = 1,   // Endpoint to the root task (write, grant-reply): the cell's outcome
    vcpu = 2,     // the guest's VCPU, configured with its GuestMemory and state page
    console = 3,  // Notification (write): signalled after new console bytes and after input was taken
    // Notification (read), bound to the VMM's thread: a signal ends its
    // run (exit_reason_signal), or its wait when it runs with run_halted.
    // The root task signals it when the cell's input ring has new bytes.
    // One per VMM: whatever else must wake the VMM signals this one.
    wake = 4,
    // Linux cells: the frames for the CPU's APIC virtualization
    // (vcpu_configure_apic), readable and writable: the virtual-APIC page,
    // mapped at CellInfo::apic_page, and the APIC-access page, mapped in
    // guest memory at apic_access_address. Empty in other cells.
    virtual_apic = 5,
    apic_access = 6,
};

// Where a Linux cell's APIC-access page is in its guest's memory: the
// xAPIC's power-on base (SDM Vol. 3A 10.4.5), which the VMM's platform
// keeps its local APIC at.
inline constexpr std::uint64_t apic_access_address = 0xfee00000;

inline constexpr std::uint64_t cell_info_magic = 0x4f464e494c4c4543;  // "CELLINFO"

// The console path: a ring of bytes the VMM writes and the root task reads.
// `written` counts every byte ever written; byte n is at bytes[n % size].
// The reader trusts nothing in it: a count that goes back or runs more
// than a ring ahead is a misbehaving writer, and bytes overwritten before
// they were read are reported as lost.
struct ConsoleRing {
    static constexpr std::uint64_t size = 4096 - 8;
    std::uint64_t written;
    char bytes[size];
};
static_assert(sizeof(ConsoleRing) == 4096);

// Console input: a ring of bytes the root task writes and the VMM reads,
// mapped read-write in both. `written` is the root task's count of bytes
// put in, `read` the VMM's count of bytes taken out; byte n is at
// bytes[n % size]. The root task never reads `written` back (it keeps its
// own count) and takes `read` only when it lies between the last `read`
// it took and its own count: a VMM that writes anything else to the page
// spoils only its own input. The root task never overwrites a byte the
// VMM has not taken: input waits for room, it is not dropped.
struct InputRing {
    static constexpr std::uint64_t size = 4096 - 16;
    std::uint64_t written;
    std::uint64_t read;
    char bytes[size];
};
static_assert(sizeof(InputRing) == 4096);

// How the VMM starts its guest from the image.
enum class ImageKind : std::uint64_t {
    flat = 0,       // a binary copied to guest_entry, entered in real mode
    multiboot = 1,  // a Multiboot v1 ELF32, entered in protected mode
    // A Linux kernel with an initrd and a command line, on the PC platform
    // of vmm-server/ (local APIC, I/O APIC, MP table, 16550, CMOS RTC):
    linux_pvh = 2,      // an uncompressed ELF64 vmlinux, entered at its PVH note
    linux_bzimage = 3,  // a bzImage, by the Linux/x86 64-bit boot protocol
};

constexpr bool is_linux(ImageKind kind) { return kind == ImageKind::linux_pvh || kind == ImageKind::linux_bzimage; }

inline constexpr std::uint64_t command_line_size = 256;  // with its NUL

// CellInfo::flags.
namespace cell_flags {
// Write each exit the VMM handles to the console as a record (vmm/record.hpp),
// for fuzz seeds: set for the cells the root task's command-line word
// septum.record-exits=NAME names (or all of them, with "all").
inline constexpr std::uint64_t record_exits = 1u << 0;
// Bench mode, for the cells the root task's command-line word
// septum.bench=NAME names (or all, with "all"): the VMM writes its exit
// counts by reason when the guest writes to its bench port and when the
// guest stops (vmm-server/program/bench.hpp; bench/linux_bench.py reads
// them).
inline constexpr std::uint64_t bench = 1u << 1;
}  // namespace cell_flags

struct CellInfo {
    std::uint64_t magic;
    char name[16];             // the cell's name, for console lines
    std::uint64_t state_page;  // where the VCPU's state page (abi::VcpuPage) is mapped
    std::uint64_t console;     // where the ConsoleRing is mapped (read-write)
    std::uint64_t guest_ram;   // where guest memory [0, guest_ram_size) is mapped, zeroed at the start
    std::uint64_t guest_ram_size;
    std::uint64_t guest_entry;  // flat images: the load address, entered in real mode
    std::uint64_t image;        // where the guest image is mapped (read-only) ...
    std::uint64_t image_size;   // ... and its size in bytes
    ImageKind image_kind;
    std::uint64_t max_resets;  // guest resets (triple faults) the VMM performs before it stops the guest
    std::uint64_t flags;       // cell_flags
    // The time of day for the guest's clock (BootInfo::unix_seconds_at_boot):
    // seconds since 1970 at TSC wall_clock_tsc; both 0 when unknown.
    std::uint64_t wall_clock_unix;
    std::uint64_t wall_clock_tsc;
    // Linux images: where the initrd is mapped (read-only; size 0: none)
    // and the kernel's command line, NUL-terminated.
    std::uint64_t initrd;
    std::uint64_t initrd_size;
    char command_line[command_line_size];
    std::uint64_t tsc_khz;  // the TSC's rate (BootInfo::tsc_khz): the guest's CPUID leaves 0x15/0x16 show it
    std::uint64_t input;    // where the InputRing is mapped (read-write)
    // Linux cells: where the virtual-APIC page (CellSlot::virtual_apic) is
    // mapped (read-write, zeroed); 0 in other cells.
    std::uint64_t apic_page;
};

// Labels of the report a VMM sends when its guest has finished: words are
// the exit code (debug-exit port) or reason, the console bytes written and
// the resets done.
enum class CellReport : std::uint64_t {
    stopped = 1,  // the guest stopped itself (debug exit): word 0 the code
    failed = 2,   // the VMM stopped the guest (a fault, a refused entry): word 0 the reason
};

}  // namespace septum::abi
