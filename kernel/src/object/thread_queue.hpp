// The queue of threads blocked on an Endpoint or a Notification, linked
// through the threads' own TCBs (no memory of its own).
#pragma once

#include "object/tcb.hpp"

namespace septum::kernel {

struct ThreadQueue {
    Tcb* head;
    Tcb* tail;

    [[nodiscard]] bool empty() const { return head == nullptr; }

    void append(Tcb& t, void* owner) {
        t.next = nullptr;
        t.prev = tail;
        t.queue_owner = owner;
        (tail != nullptr ? tail->next : head) = &t;
        tail = &t;
    }

    void remove(Tcb& t) {
        (t.prev != nullptr ? t.prev->next : head) = t.next;
        (t.next != nullptr ? t.next->prev : tail) = t.prev;
        t.next = t.prev = nullptr;
        t.queue_owner = nullptr;
    }

    Tcb* pop() {
        Tcb* t = head;
        if (t != nullptr) {
            remove(*t);
        }
        return t;
    }
};

}  // namespace septum::kernel
