// The machine's time of day, read once at boot from its CMOS clock (ports
// 0x70/0x71) and handed to the root task (abi::BootInfo) with the TSC at
// which it was read, so that later readers add the time since. The kernel
// itself keeps no wall clock: its scheduler runs on the TSC alone.
#pragma once

#include <cstdint>

#include "septum/lib/calendar.hpp"

namespace septum::arch::wall_clock {

struct Reading {
    calendar::DateTime date;     // as the clock holds it, taken as UTC
    std::uint64_t unix_seconds;  // the same, in seconds since 1970
    std::uint64_t tsc;           // the TSC just after the read
};

// False when the clock shows no valid date in 2000-2099 (no clock, an
// update that never ends, or registers that hold no date). The century is
// taken as 20: its register's index is the firmware's choice (ACPI FADT).
[[nodiscard]] bool read(Reading& out);

}  // namespace septum::arch::wall_clock
