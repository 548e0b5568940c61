// The specification's scheduler: fixed priorities, highest first; round
// robin of timeslice_ticks within a priority; the running thread outside
// the queues; a thread whose SchedContext budget is spent leaves the
// queues until its period begins anew.
#include "spec.hpp"

namespace septum::kernel::proofs {

namespace {
constexpr std::uint32_t timeslice_ticks = 5;
}

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
        th.timeslice_left = timeslice_ticks;
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
    threads_[t].timeslice_left = timeslice_ticks;
    if (t == running_) {
        yield_pending_ = true;
        return;
    }
    if (threads_[t].queued) {
        unqueue(t);
        enqueue(t, false);
    }
}

// The tick is charged to the thread that had the CPU: its timeslice and
// its budget; then budgets whose period has begun are replenished, and a
// thread whose timeslice is over gives way to an equal one.
void Spec::tick() {
    ++ticks_;
    const int t = running_;
    if (t >= 0) {
        std::uint32_t& left = threads_[t].timeslice_left;
        left = left > 0 ? left - 1 : 0;
        charge(t);
    }
    replenish_due();
    if (t >= 0 && runnable(t) && threads_[t].timeslice_left == 0) {
        rotate(t);
    }
}

// A tick of the running thread uses a tick of its budget; periods begin at
// multiples of the period from the configuration.
void Spec::charge(int t) {
    if (threads_[t].sc < 0) {
        return;
    }
    SchedContext& sc = sched_contexts_[threads_[t].sc];
    if (sc.period == 0) {
        return;
    }
    // The tick is the time (ticks_ - 1, ticks_]: it counts in the period
    // that held its start, so one that ends as a period begins is the old
    // period's.
    if (ticks_ - sc.period_start >= sc.period) {
        sc.period_start += (ticks_ - sc.period_start) / sc.period * sc.period;
        sc.used = sc.period_start == ticks_ ? 0 : 1;
    } else {
        ++sc.used;
    }
    if (sc.used < sc.budget || sc.throttled) {
        return;
    }
    unqueue(t);
    sc.throttled = true;
    throttled_.push_front(threads_[t].sc);
}

void Spec::replenish_due() {
    for (auto it = throttled_.begin(); it != throttled_.end();) {
        SchedContext& sc = sched_contexts_[*it];
        if (ticks_ - sc.period_start < sc.period) {
            ++it;
            continue;
        }
        it = throttled_.erase(it);
        sc.period_start += (ticks_ - sc.period_start) / sc.period * sc.period;
        sc.used = 0;
        sc.throttled = false;
        if (sc.bound >= 0 && threads_[sc.bound].state == Run::ready) {
            make_ready(sc.bound);
        }
    }
}

}  // namespace septum::kernel::proofs
