// Fixed-priority preemptive round-robin scheduling. The ready queue holds
// every runnable thread, the running one included (at the head of its
// priority); the highest-priority head runs. Threads of equal priority take
// turns of `timeslice_ticks` timer ticks.
#pragma once

#include <cstdint>

#include "object/sched_context.hpp"
#include "object/tcb.hpp"

namespace septum::kernel {

class Scheduler {
public:
    static constexpr unsigned priorities = 256;
    static constexpr std::uint32_t timeslice_ticks = 5;

    // Appends a thread to its priority's queue and marks it ready. A thread
    // whose SchedContext is throttled is marked ready but waits outside the
    // queue until its budget is replenished.
    void make_ready(Tcb& t);
    // Takes a thread out of the ready queue (it is about to block or stop).
    void remove(Tcb& t);
    // The thread to run: the head of the highest non-empty priority.
    [[nodiscard]] Tcb* choose() const;
    // Moves the head of t's priority to the tail (yield, end of timeslice).
    void rotate(Tcb& t);
    // A timer tick: charged to the running thread's timeslice (rotating it
    // when the slice ends) and budget (throttling it when the budget is
    // spent); budgets whose period has begun anew are replenished.
    void tick(Tcb* running);

    // Binds a thread to a SchedContext (nullptr: unbinds), moving it in or
    // out of the queue as the budget allows.
    void bind(Tcb& t, SchedContext* sc);
    // Sets budget and period (ticks) and starts a new period now.
    void configure(SchedContext& sc, std::uint64_t budget, std::uint64_t period);
    // A SchedContext is going away: its thread runs unlimited again.
    void forget(SchedContext& sc);

    [[nodiscard]] std::uint64_t now() const { return ticks_; }
    // Changes a thread's priority, requeueing it if it is ready.
    void set_priority(Tcb& t, std::uint8_t priority);

    [[nodiscard]] bool is_queued(const Tcb& t) const;

    // Structural self-check for tests and fuzzers: nullptr when the queues,
    // the bitmap and the throttled list are consistent, else what is wrong.
    [[nodiscard]] const char* check() const;

private:
    Tcb* head_[priorities] = {};
    Tcb* tail_[priorities] = {};
    std::uint64_t bitmap_[priorities / 64] = {};
    std::uint64_t ticks_ = 0;
    SchedContext* throttled_ = nullptr;  // list through next_throttled

    void charge(Tcb& t);
    void replenish_due();
    void unthrottle(SchedContext& sc);
    void leave_throttled(SchedContext& sc);
    void enqueue(Tcb& t);
};

}  // namespace septum::kernel
