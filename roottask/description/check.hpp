// Checks a system description (abi/system_description.hpp) before anything is built
// from it. Portable: the root task runs it on the boot module, tools/sysgen
// on what it compiled, and the host tests and fuzzer on anything.
#pragma once

#include <cstdint>

#include "septum/abi/system_description.hpp"

namespace septum::roottask::description {

#define SEPTUM_DESCRIPTION_ERRORS(X)                                                         \
    X(none, "the description is sound")                                                      \
    X(too_short, "shorter than its header and cells")                                        \
    X(bad_magic, "not a system description (magic)")                                         \
    X(bad_version, "a version this root task does not read")                                 \
    X(cell_count, "no cells, or more than the root task builds")                             \
    X(name, "a cell name is empty, too long or not letters, digits, '-' and '_'")            \
    X(duplicate_name, "two cells have the same name")                                        \
    X(module_name, "a module name is empty, too long or holds a space or control character") \
    X(image_kind, "the image kind is not flat, multiboot, linux-pvh or linux-bzimage")       \
    X(linux_only, "an initrd or command line for an image that is not a Linux kernel")       \
    X(command_line, "the command line is not NUL-terminated, or holds a control character")  \
    X(guest_ram, "guest RAM is not a multiple of 4 KiB between 4 KiB and 3 GiB")             \
    X(guest_entry, "a flat image's load address is not inside guest RAM below 1 MiB")        \
    X(priority, "the priority is not between 1 and 254 (the root task has 255)")             \
    X(budget, "the budget is not between 100 us and the period, or the period is over 10 s") \
    X(resets, "more than 1000 resets")                                                       \
    X(overcommitted, "the cells' budgets and the console monitor's add up to more than the CPU")

enum class Error : std::uint8_t {
#define SEPTUM_X(name, text) name,
    SEPTUM_DESCRIPTION_ERRORS(SEPTUM_X)
#undef SEPTUM_X
};

struct Verdict {
    Error error = Error::none;
    std::uint32_t cell = 0;  // the cell the error is about, when it is about one
};

inline constexpr std::uint64_t max_resets = 1000;
// The CPU the root task's console monitor, a shared service, keeps for
// itself (roottask/cells/monitor.hpp): the cells are promised the rest.
inline constexpr std::uint64_t monitor_budget_us = 1000, monitor_period_us = 10000;
// Guest RAM lies at guest-physical [0, size), below the hole a PC keeps
// for devices from 3 GiB (the VMM's MMIO: the I/O APIC at 0xFEC00000, the
// local APIC at 0xFEE00000, PCI memory below them), so at most 3 GiB.
inline constexpr std::uint64_t max_guest_ram = std::uint64_t{3} << 30;

// Checks `size` bytes at `bytes` (any alignment) as a SystemDescription.
Verdict check(const void* bytes, std::uint64_t size);

// Whether an error is about one cell (Verdict::cell says which).
constexpr bool about_a_cell(Error e) {
    return e != Error::none && e != Error::too_short && e != Error::bad_magic && e != Error::bad_version &&
           e != Error::cell_count && e != Error::overcommitted;
}

// One sentence for an error.
const char* explain(Error e);
const char* error_name(Error e);

}  // namespace septum::roottask::description
