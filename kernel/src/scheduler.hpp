// Fixed-priority preemptive scheduling with budgets in time. The running
// thread is kept outside the ready queue (as in seL4), so that IPC can hand
// the CPU straight to its partner; every other runnable thread is queued
// at its priority. After each kernel entry the running thread keeps the
// CPU unless it stopped being ready, a queued thread has a higher
// priority, or it yielded (or ended its timeslice) while an equal one
// waits.
//
// Time is the TSC. At every switch the time since the last one is charged
// to the thread that had the CPU (its timeslice and its SchedContext), and
// the timer is armed, one shot, for the next moment the kernel must decide:
// the end of the running thread's budget or timeslice, or the next
// replenishment of a throttled budget. There is no periodic tick, so a
// thread is charged for exactly the time it had, whenever it blocks or
// yields, and cannot run past its budget by more than the kernel's own
// path back from the timer interrupt (docs/kernel.md, "Scheduling").
#pragma once

#include <cstdint>

#include "clock.hpp"
#include "object/sched_context.hpp"
#include "object/tcb.hpp"

namespace septum::kernel {

class Scheduler {
public:
    static constexpr unsigned priorities = 256;
    static constexpr std::uint64_t timeslice_us = 5000;
    static constexpr std::uint64_t never = ~std::uint64_t{0};

    // The clock's rate (TSC kHz), for timeslices and for budgets given in
    // microseconds.
    void set_clock_rate(std::uint64_t tsc_khz) {
        khz_ = tsc_khz;
        timeslice_ = cycles(timeslice_us);
    }
    [[nodiscard]] std::uint64_t cycles(std::uint64_t microseconds) const { return microseconds * khz_ / 1000; }
    [[nodiscard]] std::uint64_t tsc_khz() const { return khz_; }

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
    [[gnu::always_inline]] bool switch_to(Tcb& t) {
        const Tcb* best = highest_queued();
        if ((best != nullptr && best->priority > t.priority) || !runnable(t)) {
            return false;
        }
        const std::uint64_t now = arch::clock::now();
        account(now);
        running_ = &t;
        yield_pending_ = false;
        plan(now);
        return true;
    }
    // Yield and end of timeslice: the running thread gives way to an equal
    // one at the next schedule(); a queued thread moves to its tail.
    void rotate(Tcb& t);
    // A thread is going away: it must not be the running one afterwards.
    void forget_thread(const Tcb& t);
    [[nodiscard]] Tcb* running() const { return running_; }
    // The timer fired (or a guest's preemption timer ran out): charges the
    // running thread, ends its timeslice or budget if due, and replenishes
    // the budgets whose period has begun; the next schedule() re-arms.
    void time_event();
    // When the kernel must next decide while the running thread runs (TSC):
    // a guest's preemption timer is set from it.
    [[nodiscard]] std::uint64_t deadline() const { return deadline_; }
    // Makes sure a timer event comes by `when` (the reaper's pace).
    void wake_by(std::uint64_t when) {
        if (when < armed_) {
            arch::clock::arm(when);
            armed_ = when;
        }
    }

    // Timeouts: a blocked thread in the sleep list is woken (by the
    // kernel, through pop_expired) once the TSC reaches `until`.
    void sleep(Tcb& t, std::uint64_t until);
    void unsleep(Tcb& t);
    Tcb* pop_expired(std::uint64_t now) {
        Tcb* t = sleepers_;
        if (t == nullptr || t->wake_at > now) {
            return nullptr;
        }
        sleepers_ = t->next_sleeper;
        t->next_sleeper = nullptr;
        t->wake_at = 0;
        return t;
    }

    // Binds a thread to a SchedContext (nullptr: unbinds), moving it in or
    // out of the queue as the budget allows.
    void bind(Tcb& t, SchedContext* sc);
    // Sets budget and period (TSC cycles) and starts a new period now.
    void configure(SchedContext& sc, std::uint64_t budget, std::uint64_t period);
    // A SchedContext is going away: its thread runs unlimited again.
    void forget(SchedContext& sc);

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
    std::uint64_t summary_ = 0;          // bit w: bitmap_[w] is not zero
    SchedContext* throttled_ = nullptr;  // list through next_throttled
    Tcb* sleepers_ = nullptr;            // by wake_at, earliest first, through next_sleeper
    Tcb* running_ = nullptr;
    bool yield_pending_ = false;
    bool replan_ = false;       // the deadline must be worked out again
    std::uint64_t khz_ = 1000;  // TSC cycles per millisecond
    std::uint64_t timeslice_ = cycles(timeslice_us);
    std::uint64_t last_ = 0;              // TSC when the running thread's time began to count
    std::uint64_t deadline_ = never;      // the running thread's next decision
    std::uint64_t armed_ = never;         // what the timer is armed for
    std::uint64_t next_release_ = never;  // the earliest replenishment of a throttled budget

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

    // Charges the time since the last charge to the running thread: its
    // timeslice, and its budget (throttling it once spent).
    void account(std::uint64_t now) {
        const std::uint64_t spent = now > last_ ? now - last_ : 0;
        last_ = now;
        Tcb* t = running_;
        if (t == nullptr) {
            return;
        }
        t->timeslice_left = spent < t->timeslice_left ? t->timeslice_left - spent : 0;
        SchedContext* sc = t->sched_context;
        if (sc == nullptr) {
            return;
        }
        charge(*sc, now, spent);
    }
    // Works out the running thread's deadline and arms the timer if it
    // must fire earlier than it is armed for.
    void plan(std::uint64_t now) {
        std::uint64_t d = next_release_;
        if (sleepers_ != nullptr && sleepers_->wake_at < d) {
            d = sleepers_->wake_at;
        }
        if (const Tcb* t = running_; t != nullptr) {
            d = now + t->timeslice_left < d ? now + t->timeslice_left : d;
            if (SchedContext* sc = t->sched_context; sc != nullptr && sc->limited()) {
                if (now >= sc->release()) {
                    begin_period(*sc, now, 0);
                }
                const std::uint64_t end = sc->used < sc->budget ? now + (sc->budget - sc->used) : now;
                d = end < d ? end : d;
            }
        }
        deadline_ = d;
        replan_ = false;
        wake_by(d);
    }
    // The period that holds `now` begins: the time spent before it counted
    // in the old one, only the rest counts in the new.
    static void begin_period(SchedContext& sc, std::uint64_t now, std::uint64_t spent) {
        const std::uint64_t start = now - spent;
        sc.period_start += (now - sc.period_start) / sc.period * sc.period;
        sc.used = now - (start > sc.period_start ? start : sc.period_start);
    }
    void charge(SchedContext& sc, std::uint64_t now, std::uint64_t spent);
    void throttle(SchedContext& sc);
    void replenish_due(std::uint64_t now);
    void unthrottle(SchedContext& sc);
    void leave_throttled(SchedContext& sc);
    void enqueue(Tcb& t, bool at_head);
};

}  // namespace septum::kernel
