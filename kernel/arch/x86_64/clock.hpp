// The kernel's time: the TSC, its frequency calibrated at boot against the
// PIT, and one timer interrupt at a TSC deadline. The scheduler keeps time
// in TSC cycles, charges it at every switch and arms the timer for the next
// moment it must decide (a budget's end, a timeslice's end, a budget's
// replenishment): there is no periodic tick.
#pragma once

#include <cstdint>

#include "cpu.hpp"

namespace septum::arch::clock {

inline std::uint64_t now() { return rdtsc(); }

// Measures the TSC frequency (and, for a CPU without TSC-deadline mode, the
// local APIC timer's rate) over 10 ms of PIT channel 2. False when the PIT
// never finished counting; the frequency is then a guess (tsc_khz says it).
[[nodiscard]] bool calibrate();
[[nodiscard]] std::uint64_t tsc_khz();
// Whether the timer runs in TSC-deadline mode (else in one-shot mode, the
// deadline converted into APIC timer counts).
[[nodiscard]] bool deadline_mode();

// Puts the local APIC timer into the mode it keeps from now on.
void start();
// One timer interrupt when the TSC reaches `deadline` (at once if it has);
// replaces the previous arming. ~0: none.
void arm(std::uint64_t deadline);

}  // namespace septum::arch::clock
