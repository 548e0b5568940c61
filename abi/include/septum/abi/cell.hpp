// What a VMM server finds when the root task starts it: rdi holds the
// address of its CellInfo page (read-only), and its CSpace (one CNode,
// addresses are slot indices) holds the capabilities below, and nothing
// else: its guest's VCPU and the Endpoint on which it reports to the root
// task. Its guest's memory is mapped in its address space; it maps
// nothing of any other cell.
#pragma once

#include <cstdint>

namespace septum::abi {

enum class CellSlot : std::uint64_t {
    null = 0,
    report = 1,  // Endpoint to the root task (write, grant-reply): the cell's outcome
    vcpu = 2,    // the guest's VCPU, configured with its GuestMemory and state page
};

inline constexpr std::uint64_t cell_info_magic = 0x4f464e494c4c4543;  // "CELLINFO"

struct CellInfo {
    std::uint64_t magic;
    char name[16];               // the cell's name, for console lines
    std::uint64_t state_page;    // where the VCPU's state page (abi::VcpuPage) is mapped
    std::uint64_t console;       // a buffer for the guest's UART output ...
    std::uint64_t console_size;  // ... of this many bytes
    std::uint64_t guest_ram;     // where guest memory [0, guest_ram_size) is mapped
    std::uint64_t guest_ram_size;
    std::uint64_t guest_entry;  // guest-physical address of the first instruction (real mode)
};

// Labels of the report a VMM sends when its guest has finished: words are
// the exit code (debug-exit port) or reason, and the console bytes written.
enum class CellReport : std::uint64_t {
    stopped = 1,  // the guest stopped itself (debug exit): word 0 the code
    failed = 2,   // the VMM stopped the guest (a fault, a refused entry): word 0 the reason
};

}  // namespace septum::abi
