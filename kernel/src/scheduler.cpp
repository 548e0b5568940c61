#include "scheduler.hpp"

namespace septum::kernel {

void Scheduler::make_ready(Tcb& t) {
    t.state = ThreadState::ready;
    if (&t == running_ || is_queued(t) || !runnable(t)) {
        return;
    }
    enqueue(t, false);
}

void Scheduler::enqueue(Tcb& t, bool at_head) {
    const unsigned p = t.priority;
    t.queue_owner = nullptr;
    t.in_ready_queue = true;
    if (at_head) {
        t.prev = nullptr;
        t.next = head_[p];
        (head_[p] != nullptr ? head_[p]->prev : tail_[p]) = &t;
        head_[p] = &t;
    } else {
        t.next = nullptr;
        t.prev = tail_[p];
        (tail_[p] != nullptr ? tail_[p]->next : head_[p]) = &t;
        tail_[p] = &t;
    }
    bitmap_[p / 64] |= std::uint64_t{1} << (p % 64);
    summary_ |= std::uint64_t{1} << (p / 64);
    if (t.timeslice_left == 0) {
        t.timeslice_left = timeslice_;
    }
}

bool Scheduler::is_queued(const Tcb& t) const { return t.in_ready_queue; }

void Scheduler::remove(Tcb& t) {
    if (!is_queued(t)) {
        return;
    }
    const unsigned p = t.priority;
    (t.prev != nullptr ? t.prev->next : head_[p]) = t.next;
    (t.next != nullptr ? t.next->prev : tail_[p]) = t.prev;
    t.next = t.prev = nullptr;
    t.in_ready_queue = false;
    if (head_[p] == nullptr) {
        bitmap_[p / 64] &= ~(std::uint64_t{1} << (p % 64));
        if (bitmap_[p / 64] == 0) {
            summary_ &= ~(std::uint64_t{1} << (p / 64));
        }
    }
}

Tcb* Scheduler::schedule() {
    Tcb* best = highest_queued();
    Tcb* cur = running_;
    if (cur != nullptr && runnable(*cur) &&
        (best == nullptr || cur->priority > best->priority || (cur->priority == best->priority && !yield_pending_))) {
        // It keeps the CPU: its time goes on counting, and its deadline
        // stands unless something changed it.
        yield_pending_ = false;
        if (replan_) {
            plan(arch::clock::now());
        }
        return cur;
    }
    // A switch: the time so far is the outgoing thread's.
    const std::uint64_t now = arch::clock::now();
    account(now);
    if (cur != nullptr && runnable(*cur)) {
        // It gives way: after a yield or its timeslice to the tail, when
        // preempted by a higher priority to the head, of its priority.
        enqueue(*cur, !yield_pending_);
    }
    yield_pending_ = false;
    if (best != nullptr) {
        remove(*best);
    }
    running_ = best;
    plan(now);
    return best;
}

void Scheduler::rotate(Tcb& t) {
    if (&t == running_) {
        account(arch::clock::now());  // the time before counts in the old timeslice
        t.timeslice_left = timeslice_;
        yield_pending_ = true;
        replan_ = true;
        return;
    }
    t.timeslice_left = timeslice_;
    if (is_queued(t)) {
        remove(t);
        enqueue(t, false);
    }
}

void Scheduler::forget_thread(const Tcb& t) {
    if (running_ == &t) {
        account(arch::clock::now());
        running_ = nullptr;
        yield_pending_ = false;
        replan_ = true;
    }
}

void Scheduler::sleep(Tcb& t, std::uint64_t until) {
    unsleep(t);
    Tcb** link = &sleepers_;
    while (*link != nullptr && (*link)->wake_at <= until) {
        link = &(*link)->next_sleeper;
    }
    t.wake_at = until;
    t.next_sleeper = *link;
    *link = &t;
    replan_ = true;
}

void Scheduler::unsleep(Tcb& t) {
    if (t.wake_at == 0) {
        return;
    }
    for (Tcb** link = &sleepers_; *link != nullptr; link = &(*link)->next_sleeper) {
        if (*link == &t) {
            *link = t.next_sleeper;
            break;
        }
    }
    t.next_sleeper = nullptr;
    t.wake_at = 0;
}

void Scheduler::time_event() {
    armed_ = never;  // it fired (or a guest's timer did first): the next plan re-arms
    const std::uint64_t now = arch::clock::now();
    account(now);
    replenish_due(now);
    if (Tcb* t = running_; t != nullptr && runnable(*t) && t->timeslice_left == 0) {
        rotate(*t);
    }
    replan_ = true;
}

// `spent` cycles up to `now` go to the budget's period, or when a period
// began meanwhile, only those after its start.
void Scheduler::charge(SchedContext& sc, std::uint64_t now, std::uint64_t spent) {
    sc.consumed += spent;
    if (!sc.limited()) {
        return;
    }
    if (now >= sc.release()) {
        begin_period(sc, now, spent);
    } else {
        sc.used += spent;
    }
    if (sc.used >= sc.budget && !sc.throttled) {  // charged again before it left the CPU: once
        throttle(sc);
    }
}

void Scheduler::throttle(SchedContext& sc) {
    // Budget spent: out of the queue until the next period.
    sc.throttled = true;
    sc.next_throttled = throttled_;
    throttled_ = &sc;
    next_release_ = sc.release() < next_release_ ? sc.release() : next_release_;
    if (sc.bound != nullptr) {
        remove(*sc.bound);
    }
}

void Scheduler::replenish_due(std::uint64_t now) {
    if (now < next_release_) {
        return;
    }
    std::uint64_t next = never;
    SchedContext** link = &throttled_;
    while (*link != nullptr) {
        SchedContext& sc = **link;
        if (now < sc.release()) {
            next = sc.release() < next ? sc.release() : next;
            link = &sc.next_throttled;
            continue;
        }
        *link = sc.next_throttled;
        sc.period_start += (now - sc.period_start) / sc.period * sc.period;
        sc.used = 0;
        unthrottle(sc);
    }
    next_release_ = next;
}

void Scheduler::unthrottle(SchedContext& sc) {
    sc.throttled = false;
    sc.next_throttled = nullptr;
    if (sc.bound != nullptr && sc.bound->state == ThreadState::ready) {
        make_ready(*sc.bound);
    }
}

void Scheduler::bind(Tcb& t, SchedContext* sc) {
    if (&t == running_) {
        account(arch::clock::now());  // the time so far on the old budget
        replan_ = true;
    }
    if (t.sched_context != nullptr) {
        t.sched_context->bound = nullptr;
    }
    const bool ready = t.state == ThreadState::ready;
    remove(t);
    t.sched_context = sc;
    if (sc != nullptr) {
        sc->bound = &t;
    }
    if (ready) {
        make_ready(t);
    }
}

void Scheduler::configure(SchedContext& sc, std::uint64_t budget, std::uint64_t period) {
    const std::uint64_t now = arch::clock::now();
    if (sc.bound != nullptr && sc.bound == running_) {
        account(now);  // the time so far under the old budget
        replan_ = true;
    }
    if (sc.throttled) {
        leave_throttled(sc);
        sc.throttled = false;
    }
    sc.budget = budget;
    sc.period = period;
    sc.used = 0;
    sc.period_start = now;
    if (sc.bound != nullptr && sc.bound->state == ThreadState::ready) {
        make_ready(*sc.bound);  // a fresh budget: back in the queue
    }
}

void Scheduler::leave_throttled(SchedContext& sc) {
    std::uint64_t next = never;
    for (SchedContext** link = &throttled_; *link != nullptr;) {
        if (*link == &sc) {
            *link = sc.next_throttled;
            continue;
        }
        next = (*link)->release() < next ? (*link)->release() : next;
        link = &(*link)->next_throttled;
    }
    sc.next_throttled = nullptr;
    next_release_ = next;
}

void Scheduler::forget(SchedContext& sc) {
    if (sc.bound != nullptr && sc.bound == running_) {
        account(arch::clock::now());
        replan_ = true;
    }
    if (sc.throttled) {
        leave_throttled(sc);
        sc.throttled = false;
    }
    if (sc.bound != nullptr) {
        Tcb& t = *sc.bound;
        t.sched_context = nullptr;
        sc.bound = nullptr;
        if (t.state == ThreadState::ready) {
            make_ready(t);
        }
    }
}

void Scheduler::set_priority(Tcb& t, std::uint8_t priority) {
    const bool queued = is_queued(t);
    if (queued) {
        remove(t);
    }
    t.priority = priority;
    if (queued) {
        enqueue(t, false);
    }
}

const char* Scheduler::check() const {
    if (running_ != nullptr && running_->in_ready_queue) {
        return "the running thread is in the ready queue";
    }
    for (unsigned p = 0; p < priorities; ++p) {
        const bool bit = (bitmap_[p / 64] >> (p % 64) & 1) != 0;
        if (bit != (head_[p] != nullptr)) {
            return "bitmap disagrees with a queue";
        }
        if (((summary_ >> (p / 64)) & 1) != (bitmap_[p / 64] != 0 ? 1u : 0u)) {
            return "the summary bitmap disagrees with the bitmap";
        }
        const Tcb* prev = nullptr;
        for (const Tcb* t = head_[p]; t != nullptr; prev = t, t = t->next) {
            if (t->prev != prev || t->priority != p || t->state != ThreadState::ready || t->queue_owner != nullptr ||
                !t->in_ready_queue) {
                return "a ready queue entry is inconsistent";
            }
            if (t->sched_context != nullptr && t->sched_context->throttled) {
                return "a throttled thread is in the ready queue";
            }
        }
        if (tail_[p] != prev) {
            return "a ready queue's tail is wrong";
        }
    }
    for (const SchedContext* sc = throttled_; sc != nullptr; sc = sc->next_throttled) {
        if (!sc->throttled) {
            return "an unthrottled SchedContext is on the throttled list";
        }
        if (sc->release() < next_release_) {
            return "a throttled budget is replenished before the timer is due";
        }
    }
    for (const Tcb* t = sleepers_; t != nullptr; t = t->next_sleeper) {
        if (t->wake_at == 0 || (t->next_sleeper != nullptr && t->next_sleeper->wake_at < t->wake_at)) {
            return "the sleep list is out of order";
        }
        if (t->state != ThreadState::blocked_notify || !t->halted) {
            return "a thread sleeps that is not waiting as a halted guest's VMM";
        }
    }
    if (running_ != nullptr && running_->sched_context != nullptr && running_->sched_context->limited() &&
        running_->state == ThreadState::ready && !running_->sched_context->throttled &&
        running_->sched_context->used >= running_->sched_context->budget) {
        return "the running thread's budget is spent but it is not throttled";
    }
    return nullptr;
}

}  // namespace septum::kernel
