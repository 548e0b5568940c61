// A SchedContext: the CPU a thread may use, as a budget of timer ticks in
// every period of ticks. A thread whose budget is spent leaves the ready
// queue until its next period begins, whatever its priority: so a cell's
// threads cannot take more than their share. 256 bytes
// (capabilities/: ObjectKind::sched_context).
#pragma once

#include <cstdint>

namespace septum::kernel {

struct Tcb;

struct SchedContext {
    std::uint64_t budget;        // ticks per period; 0 with period 0: not configured, no limit
    std::uint64_t period;        // ticks
    std::uint64_t used;          // ticks used in the current period
    std::uint64_t period_start;  // tick at which the current period began
    Tcb* bound;                  // the thread that runs on it
    SchedContext* next_throttled;
    bool throttled;

    [[nodiscard]] bool limited() const { return period != 0; }
};

static_assert(sizeof(SchedContext) <= 256, "a SchedContext is a 256-byte object");

}  // namespace septum::kernel
