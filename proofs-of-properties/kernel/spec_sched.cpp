// The specification's scheduler: fixed priorities, highest first; round
// robin in timeslices of 5 ms within a priority; the running thread outside
// the queues. Time is the TSC (1 MHz in the simulation: cycles are
// microseconds). Every cycle the running thread has is charged to its
// timeslice and to its SchedContext, in the period that holds that cycle;
// periods follow each other from the configuration (at time 0 here), each
// beginning with the whole budget. A thread whose budget in the current
// period is spent leaves the queues until the next period begins. The
// timer fires at the next moment something must be decided: the running
// thread's budget or timeslice ends, or a throttled budget's period begins.
#include <algorithm>

#include "spec.hpp"

namespace septum::kernel::proofs {

namespace {
constexpr std::uint64_t timeslice_cycles = 5000;
constexpr std::uint64_t never = ~std::uint64_t{0};
}  // namespace

bool Spec::runnable(int t) const {
    const Thread& th = threads_[t];
    return th.state == Run::ready && (th.sc < 0 || !sched_contexts_[th.sc].throttled);
}

void Spec::make_ready(int t) {
    threads_[t].state = Run::ready;
    if (t == running_ || threads_[t].queued || !runnable(t)) {
        return;
    }
    enqueue(t, false);
}

void Spec::enqueue(int t, bool at_head) {
    Thread& th = threads_[t];
    std::deque<int>& q = ready_[th.priority];
    if (at_head) {
        q.push_front(t);
    } else {
        q.push_back(t);
    }
    th.queued = true;
    if (th.timeslice_left == 0) {
        th.timeslice_left = timeslice_cycles;
    }
}

void Spec::unqueue(int t) {
    Thread& th = threads_[t];
    if (!th.queued) {
        return;
    }
    std::deque<int>& q = ready_[th.priority];
    for (auto it = q.begin(); it != q.end(); ++it) {
        if (*it == t) {
            q.erase(it);
            break;
        }
    }
    if (q.empty()) {
        ready_.erase(th.priority);
    }
    th.queued = false;
}

int Spec::highest_queued() const { return ready_.empty() ? -1 : ready_.rbegin()->second.front(); }

// The running thread keeps the CPU unless it stopped being runnable, a
// queued thread outranks it, or it yielded while an equal one waits.
// Preempted, it goes to the head of its priority; after a yield or its
// timeslice, to the tail.
void Spec::schedule() {
    const int best = highest_queued();
    const int cur = running_;
    if (cur >= 0 && runnable(cur)) {
        const int cp = threads_[cur].priority;
        if (best < 0 || cp > threads_[best].priority || (cp == threads_[best].priority && !yield_pending_)) {
            yield_pending_ = false;
            return;
        }
        enqueue(cur, !yield_pending_);
    }
    yield_pending_ = false;
    if (best >= 0) {
        unqueue(best);
    }
    running_ = best;
}

bool Spec::switch_to(int t) {
    const int best = highest_queued();
    if ((best >= 0 && threads_[best].priority > threads_[t].priority) || !runnable(t)) {
        return false;
    }
    running_ = t;
    yield_pending_ = false;
    return true;
}

void Spec::rotate(int t) {
    threads_[t].timeslice_left = timeslice_cycles;
    if (t == running_) {
        yield_pending_ = true;
        return;
    }
    if (threads_[t].queued) {
        unqueue(t);
        enqueue(t, false);
    }
}

// The earliest of: a throttled budget's next period, the running thread's
// timeslice end and the end of its budget in the current period.
std::uint64_t Spec::deadline() const {
    std::uint64_t d = never;
    for (int s : throttled_) {
        const SchedContext& sc = sched_contexts_[s];
        d = std::min(d, sc.period_start + sc.period);
    }
    if (running_ < 0) {
        return d;
    }
    const Thread& th = threads_[running_];
    d = std::min(d, now_ + th.timeslice_left);
    if (th.sc >= 0 && sched_contexts_[th.sc].period != 0) {
        const SchedContext& sc = sched_contexts_[th.sc];
        const std::uint64_t used = now_ >= sc.period_start + sc.period ? 0 : sc.used;
        const std::uint64_t left = used < sc.budget ? sc.budget - used : 0;
        d = std::min(d, now_ + left);
    }
    return d;
}

// The action's time passes (in cycles: the checker resolves a time before
// the deadline against the kernel), the timer firing at every deadline it
// holds.
void Spec::advance(const Action& a) {
    if (a.run.before_deadline) {
        unmodelled_ = "a time not resolved to cycles";
        return;
    }
    const std::uint64_t end = now_ + a.run.cycles;
    for (std::uint64_t d = deadline(); d <= end; d = deadline()) {
        pass_time(d);
        time_event();
        schedule();
        if (deadline() == d) {
            unmodelled_ = "a deadline that does not move on when it comes";
            return;
        }
    }
    pass_time(end);
}

void Spec::pass_time(std::uint64_t to) {
    if (running_ >= 0 && to > now_) {
        charge(running_, now_, to);
    }
    now_ = std::max(now_, to);
}

// The time [from, to) of thread t: its timeslice, and its budget in the
// period that holds each cycle; a budget spent throttles it.
void Spec::charge(int t, std::uint64_t from, std::uint64_t to) {
    Thread& th = threads_[t];
    th.timeslice_left -= std::min(th.timeslice_left, to - from);
    if (th.sc < 0 || sched_contexts_[th.sc].period == 0) {
        return;
    }
    SchedContext& sc = sched_contexts_[th.sc];
    // The moment `to` itself belongs to the period that holds it: a charge
    // that ends as a period begins leaves the new one whole.
    for (std::uint64_t at = from;;) {
        if (at >= sc.period_start + sc.period) {
            sc.period_start = at - (at - sc.period_start) % sc.period;
            sc.used = 0;
        }
        if (at == to) {
            break;
        }
        const std::uint64_t upto = std::min(to, sc.period_start + sc.period);
        sc.used += upto - at;
        at = upto;
    }
    if (sc.used >= sc.budget && !sc.throttled) {
        unqueue(t);
        sc.throttled = true;
        throttled_.push_front(th.sc);
    }
}

// The timer: budgets whose period has begun are whole again, and a
// running thread whose timeslice is over gives way to an equal one.
void Spec::time_event() {
    replenish_due();
    const int t = running_;
    if (t >= 0 && runnable(t) && threads_[t].timeslice_left == 0) {
        rotate(t);
    }
}

void Spec::replenish_due() {
    for (auto it = throttled_.begin(); it != throttled_.end();) {
        SchedContext& sc = sched_contexts_[*it];
        if (now_ < sc.period_start + sc.period) {
            ++it;
            continue;
        }
        it = throttled_.erase(it);
        sc.period_start = now_ - (now_ - sc.period_start) % sc.period;
        sc.used = 0;
        sc.throttled = false;
        if (sc.bound >= 0 && threads_[sc.bound].state == Run::ready) {
            make_ready(sc.bound);
        }
    }
}

}  // namespace septum::kernel::proofs
