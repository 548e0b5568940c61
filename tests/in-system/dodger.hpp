// A tick-dodging VMM (tests/in-system/shares.cpp): a root-task thread on a
// neighbour cell's budget, above the measuring cell's priority, that spins
// until just before the kernel's next timer event and then blocks until a
// device interrupt (the PIT, at 1 kHz) wakes it, so that a kernel which
// charges whoever holds the CPU when its timer fires never charges it
// (Tsafrir, Etsion and Feitelson, "Secretly monopolizing the CPU without
// superuser privileges", 2007). It aims at two kinds of event: the
// periodic ones it saw before it started (a scheduler tick), and the end
// of its own budget in each period (where a kernel with one-shot deadlines
// fires). Only its budget keeps it from taking the whole CPU.
#pragma once

#include <cstdint>

#include "env.hpp"

namespace septum::roottask {

// Timer events a spinning thread saw: every `interval` TSC ticks from
// `phase`; interval 0: none seen.
struct TimerEvents {
    std::uint64_t interval = 0;
    std::uint64_t phase = 0;
    std::uint64_t seen = 0;
};

// Spins for `span` TSC ticks and reports the interruptions it saw, when
// they came regularly enough to aim at (three or more).
TimerEvents observe_timer_events(std::uint64_t span);

struct Dodger {
    // What it aims at (TSC ticks).
    TimerEvents events;
    std::uint64_t budget = 0;  // its SchedContext's budget
    // Filled in by start_dodger.
    CPtr irq = 0;   // the PIT's line
    CPtr wake = 0;  // the Notification the line signals
    volatile std::uint64_t dodges = 0;
    volatile std::uint64_t ran = 0;  // TSC ticks it ran
    user::Thread thread;
};

// Programs the PIT, binds its line to a new Notification and starts the
// dodger's thread at `priority` on SchedContext `sc` (configured as
// d.budget and d.period say).
Status start_dodger(Env& env, Dodger& d, CPtr sc, std::uint8_t priority);

}  // namespace septum::roottask
