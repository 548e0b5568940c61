// Fixed-priority preemptive round-robin scheduling. The running thread is
// kept outside the ready queue (as in seL4), so that IPC can hand the CPU
// straight to its partner; every other runnable thread is queued at its
// priority. After each kernel entry the running thread keeps the CPU unless
// it stopped being ready, a queued thread has a higher priority, or it
// yielded (or ended its timeslice) while an equal one waits. Threads of
// equal priority take turns of `timeslice_ticks` timer ticks.
#pragma once

#include <cstdint>

#include "object/sched_context.hpp"
#include "object/tcb.hpp"

namespace septum::kernel {

class Scheduler {
public:
    static constexpr unsigned priorities = 256;
    static constexpr std::uint32_t timeslice_ticks = 5;

    // Marks a thread ready and queues it (at the tail of its priority),
    // unless it is the running thread or its SchedContext is throttled (it
    // then waits outside the queue until its budget is replenished).
    void make_ready(Tcb& t);
    // Takes a thread out of the ready queue (it is about to block or stop).
    void remove(Tcb& t);
    // Decides which thread runs now (see above) and makes it the running
    // one; nullptr when none is ready.
    Tcb* schedule();
    // The IPC fast path: makes t (ready, not queued) the running thread at
    // once if no queued thread has a higher priority; false otherwise (t is
    // then untouched). The running thread must have stopped being ready.
    bool switch_to(Tcb& t) {
        const Tcb* best = highest_queued();
        if ((best != nullptr && best->priority > t.priority) || !runnable(t)) {
            return false;
        }
        running_ = &t;
        yield_pending_ = false;
        return true;
    }
    // Yield and end of timeslice: the running thread gives way to an equal
    // one at the next schedule(); a queued thread moves to its tail.
    void rotate(Tcb& t);
    // A thread is going away: it must not be the running one afterwards.
    void forget_thread(const Tcb& t);
    [[nodiscard]] Tcb* running() const { return running_; }
    // A timer tick: charged to the running thread's timeslice (rotating it
    // when the slice ends) and budget (throttling it when the budget is
    // spent); budgets whose period has begun anew are replenished.
    void tick();

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
    std::uint64_t summary_ = 0;  // bit w: bitmap_[w] is not zero
    std::uint64_t ticks_ = 0;
    SchedContext* throttled_ = nullptr;  // list through next_throttled
    Tcb* running_ = nullptr;
    bool yield_pending_ = false;

    [[nodiscard]] Tcb* highest_queued() const {
        if (summary_ == 0) {
            return nullptr;
        }
        const unsigned word = 63u - static_cast<unsigned>(__builtin_clzll(summary_));
        const unsigned bit = 63u - static_cast<unsigned>(__builtin_clzll(bitmap_[word]));
        return head_[word * 64 + bit];
    }
    [[nodiscard]] static bool runnable(const Tcb& t) {
        return t.state == ThreadState::ready && (t.sched_context == nullptr || !t.sched_context->throttled);
    }

    void charge(Tcb& t);
    void replenish_due();
    void unthrottle(SchedContext& sc);
    void leave_throttled(SchedContext& sc);
    void enqueue(Tcb& t, bool at_head);
};

}  // namespace septum::kernel
