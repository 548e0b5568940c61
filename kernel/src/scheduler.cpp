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
        t.timeslice_left = timeslice_ticks;
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
    if (cur != nullptr && runnable(*cur)) {
        if (best == nullptr || cur->priority > best->priority || (cur->priority == best->priority && !yield_pending_)) {
            yield_pending_ = false;
            return cur;
        }
        // It gives way: after a yield or its timeslice to the tail, when
        // preempted by a higher priority to the head, of its priority.
        enqueue(*cur, !yield_pending_);
    }
    yield_pending_ = false;
    if (best != nullptr) {
        remove(*best);
    }
    running_ = best;
    return best;
}

void Scheduler::rotate(Tcb& t) {
    t.timeslice_left = timeslice_ticks;
    if (&t == running_) {
        yield_pending_ = true;
        return;
    }
    if (is_queued(t)) {
        remove(t);
        enqueue(t, false);
    }
}

void Scheduler::forget_thread(const Tcb& t) {
    if (running_ == &t) {
        running_ = nullptr;
        yield_pending_ = false;
    }
}

void Scheduler::tick() {
    ++ticks_;
    replenish_due();
    Tcb* t = running_;
    if (t == nullptr || !runnable(*t)) {
        return;
    }
    charge(*t);
    if (!runnable(*t)) {
        return;  // throttled: schedule() lets it go
    }
    if (t->timeslice_left > 1) {
        --t->timeslice_left;
        return;
    }
    rotate(*t);
}

void Scheduler::charge(Tcb& t) {
    SchedContext* sc = t.sched_context;
    if (sc == nullptr || !sc->limited()) {
        return;
    }
    if (ticks_ - sc->period_start >= sc->period) {
        sc->period_start += (ticks_ - sc->period_start) / sc->period * sc->period;
        sc->used = 0;
    }
    if (++sc->used < sc->budget) {
        return;
    }
    // Budget spent: out of the queue until the next period.
    remove(t);
    sc->throttled = true;
    sc->next_throttled = throttled_;
    throttled_ = sc;
}

void Scheduler::replenish_due() {
    SchedContext** link = &throttled_;
    while (*link != nullptr) {
        SchedContext& sc = **link;
        if (ticks_ - sc.period_start < sc.period) {
            link = &sc.next_throttled;
            continue;
        }
        *link = sc.next_throttled;
        sc.period_start += (ticks_ - sc.period_start) / sc.period * sc.period;
        sc.used = 0;
        unthrottle(sc);
    }
}

void Scheduler::unthrottle(SchedContext& sc) {
    sc.throttled = false;
    sc.next_throttled = nullptr;
    if (sc.bound != nullptr && sc.bound->state == ThreadState::ready) {
        make_ready(*sc.bound);
    }
}

void Scheduler::bind(Tcb& t, SchedContext* sc) {
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
    sc.budget = budget;
    sc.period = period;
    sc.used = 0;
    sc.period_start = ticks_;
    if (sc.throttled) {
        leave_throttled(sc);
        unthrottle(sc);  // a fresh budget: back in the queue
    }
}

void Scheduler::leave_throttled(SchedContext& sc) {
    for (SchedContext** link = &throttled_; *link != nullptr; link = &(*link)->next_throttled) {
        if (*link == &sc) {
            *link = sc.next_throttled;
            break;
        }
    }
}

void Scheduler::forget(SchedContext& sc) {
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
    }
    return nullptr;
}

}  // namespace septum::kernel
