// A SchedContext: the CPU a thread may use, as a budget of time in every
// period, both in TSC cycles (the invocation gives microseconds). The
// kernel charges the thread's time to it exactly, at every switch and
// timer event; a thread whose budget is spent leaves the ready queue until
// its next period begins, whatever its priority, so a cell's threads cannot
// take more than their share. Periods follow each other from the moment of
// configuration (a fixed grid), and each begins with the whole budget.
// 256 bytes (capabilities/: ObjectKind::sched_context).
#pragma once

#include <cstdint>

namespace septum::kernel {

struct Tcb;

struct SchedContext {
    std::uint64_t budget;        // cycles per period; 0 with period 0: not configured, no limit
    std::uint64_t period;        // cycles
    std::uint64_t used;          // cycles used in the current period
    std::uint64_t period_start;  // TSC at which the current period began
    std::uint64_t consumed;      // cycles used in all, for accounting
    Tcb* bound;                  // the thread that runs on it
    SchedContext* next_throttled;
    bool throttled;

    [[nodiscard]] bool limited() const { return period != 0; }
    // When the current period ends and the budget is whole again.
    [[nodiscard]] std::uint64_t release() const { return period_start + period; }
};

static_assert(sizeof(SchedContext) <= 256, "a SchedContext is a 256-byte object");

}  // namespace septum::kernel
