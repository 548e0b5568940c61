#include "scheduler.hpp"

namespace septum::kernel {

void Scheduler::make_ready(Tcb& t) {
    t.state = ThreadState::ready;
    if (is_queued(t)) {
        return;
    }
    const unsigned p = t.priority;
    t.next = nullptr;
    t.prev = tail_[p];
    t.queue_owner = nullptr;
    (tail_[p] != nullptr ? tail_[p]->next : head_[p]) = &t;
    tail_[p] = &t;
    bitmap_[p / 64] |= std::uint64_t{1} << (p % 64);
    if (t.timeslice_left == 0) {
        t.timeslice_left = timeslice_ticks;
    }
}

bool Scheduler::is_queued(const Tcb& t) const {
    return t.queue_owner == nullptr && (t.prev != nullptr || head_[t.priority] == &t);
}

void Scheduler::remove(Tcb& t) {
    if (!is_queued(t)) {
        return;
    }
    const unsigned p = t.priority;
    (t.prev != nullptr ? t.prev->next : head_[p]) = t.next;
    (t.next != nullptr ? t.next->prev : tail_[p]) = t.prev;
    t.next = t.prev = nullptr;
    if (head_[p] == nullptr) {
        bitmap_[p / 64] &= ~(std::uint64_t{1} << (p % 64));
    }
}

Tcb* Scheduler::choose() const {
    for (unsigned word = priorities / 64; word-- > 0;) {
        if (bitmap_[word] != 0) {
            const unsigned bit = 63u - static_cast<unsigned>(__builtin_clzll(bitmap_[word]));
            return head_[word * 64 + bit];
        }
    }
    return nullptr;
}

void Scheduler::rotate(Tcb& t) {
    if (!is_queued(t)) {
        return;
    }
    remove(t);
    t.timeslice_left = timeslice_ticks;
    make_ready(t);
}

void Scheduler::tick(Tcb* running) {
    if (running == nullptr || !is_queued(*running)) {
        return;
    }
    if (running->timeslice_left > 1) {
        --running->timeslice_left;
        return;
    }
    rotate(*running);
}

void Scheduler::set_priority(Tcb& t, std::uint8_t priority) {
    const bool queued = is_queued(t);
    if (queued) {
        remove(t);
    }
    t.priority = priority;
    if (queued) {
        make_ready(t);
    }
}

}  // namespace septum::kernel
