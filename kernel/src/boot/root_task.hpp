// Building the root task (seL4's "initial thread"): its CNode, address
// space, TCB and BootInfo, its ELF image from the first boot module, and
// capabilities to everything else (all free memory as Untyped, the I/O
// ports, the interrupt lines, the other modules' pages).
#pragma once

#include "boot/free_memory.hpp"
#include "kernel.hpp"
#include "multiboot2.hpp"

namespace septum::kernel::boot {

// The time of day the root task is told (abi::BootInfo::unix_seconds_at_boot).
struct WallClock {
    std::uint64_t unix_seconds = 0;  // 0: unknown
    std::uint64_t tsc = 0;
};

// Returns nullptr on success, else what went wrong (the kernel reports it
// and carries on without a root task).
const char* build_root_task(Kernel& k, const septum::boot::BootInfo& info, septum::boot::FreeMemory& memory,
                            const WallClock& time);

// Sets aside the kernel's address-space generations for all memory below
// the highest usable address; false if there is no room.
bool init_address_spaces(Kernel& k, septum::boot::FreeMemory& memory);

}  // namespace septum::kernel::boot
