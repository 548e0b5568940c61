// The static system description: which cells the root task builds. It is
// written as TOML (systems/*.toml), compiled by tools/sysgen into this
// binary form and handed to the root task as the boot module "system".
// The root task checks every field again before it builds anything
// (roottask/description/check.hpp): a description is input, not trusted.
#pragma once

#include <cstdint>

#include "septum/abi/cell.hpp"

namespace septum::abi {

inline constexpr std::uint64_t system_magic = 0x315359534d545053;  // "SPTMSYS1"
inline constexpr std::uint32_t system_version = 2;
inline constexpr std::uint32_t max_system_cells = 8;
inline constexpr std::uint64_t name_size = 16, module_name_size = 32;

struct CellDescription {
    char name[name_size];                  // letters, digits, '-', '_'; unique; NUL-terminated
    char vmm_module[module_name_size];     // the boot module of the VMM program
    char guest_module[module_name_size];   // the boot module of the guest image
    ImageKind image_kind;                  // flat, multiboot, linux_pvh or linux_bzimage
    std::uint64_t guest_ram_bytes;         // a multiple of 4 KiB, at most 3 GiB (below the MMIO hole)
    std::uint64_t guest_entry;             // flat images: the load address
    std::uint64_t priority;                // the VMM thread's, below the root task's 255
    std::uint64_t budget_us;               // microseconds of CPU in every period ...
    std::uint64_t period_us;               // ... (abi::min_budget_us <= budget <= period <= abi::max_period_us)
    std::uint64_t max_resets;              // guest resets before the VMM stops it
    char initrd_module[module_name_size];  // Linux images: the initrd's boot module, or empty
    char command_line[command_line_size];  // Linux images: the kernel's command line
};

struct SystemDescription {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t cell_count;
    CellDescription cells[max_system_cells];  // the first cell_count are used
};

}  // namespace septum::abi
