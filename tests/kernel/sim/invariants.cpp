// Kernel-level invariants over a SimSystem (sim_system.hpp).
#include <set>
#include <string>
#include <vector>

#include "physical.hpp"
#include "septum/caps/mdb.hpp"
#include "sim_system.hpp"

namespace septum::kernel::sim {

namespace {

bool queue_contains(const ThreadQueue& q, const Tcb& t, const void* owner, std::string& error) {
    const Tcb* prev = nullptr;
    bool found = false;
    unsigned n = 0;
    for (const Tcb* i = q.head; i != nullptr; prev = i, i = i->next) {
        if (++n > 64 || i->prev != prev || i->queue_owner != owner) {
            error = "an IPC queue is malformed";
            return false;
        }
        found = found || i == &t;
    }
    if (q.tail != prev) {
        error = "an IPC queue's tail is wrong";
        return false;
    }
    return found;
}

std::string check_thread(Kernel& k, const Tcb& t) {
    std::string error;
    switch (t.state) {
        case ThreadState::ready: {
            const bool throttled = t.sched_context != nullptr && t.sched_context->throttled;
            const bool running = k.scheduler.running() == &t;
            if (!throttled && !running && !k.scheduler.is_queued(t)) {
                return "a ready thread is neither running nor in the ready queue";
            }
            if (running && k.scheduler.is_queued(t)) {
                return "the running thread is in the ready queue";
            }
            break;
        }
        case ThreadState::blocked_send:
        case ThreadState::blocked_recv: {
            const auto* ep = static_cast<const Endpoint*>(t.queue_owner);
            if (ep == nullptr || !queue_contains(ep->queue, t, ep, error)) {
                return error.empty() ? "a thread blocked on an endpoint is not in its queue" : error;
            }
            if (ep->queue.head->state != t.state) {
                return "an endpoint queue mixes senders and receivers";
            }
            break;
        }
        case ThreadState::blocked_notify: {
            const auto* n = static_cast<const Notification*>(t.queue_owner);
            if (n == nullptr || !queue_contains(n->waiters, t, n, error)) {
                return error.empty() ? "a waiting thread is not in its notification's queue" : error;
            }
            break;
        }
        case ThreadState::blocked_reply:
            if (t.callee != nullptr && t.callee->caller != &t) {
                return "a caller's callee does not point back";
            }
            break;
        case ThreadState::inactive:
            if (t.queue_owner != nullptr || k.scheduler.is_queued(t)) {
                return "an inactive thread is in a queue";
            }
            break;
    }
    if (t.caller != nullptr && (t.caller->callee != &t || t.caller->state != ThreadState::blocked_reply)) {
        return "a reply link is one-sided";
    }
    return {};
}

// The derivation tree: a tree (no node twice), no empty node, and a child
// capability to the same object never has a right or badge its parent lacks.
std::string check_tree(const Kernel& k) {
    std::set<const caps::Slot*> seen;
    struct Frame {
        const caps::Slot* node;
        const caps::Slot* parent;
    };
    std::vector<Frame> stack;
    for (caps::Slot* c = k.authority.tree_root().mdb.first_child; c != nullptr; c = caps::mdb::next_sibling(*c)) {
        stack.push_back({c, nullptr});
    }
    while (!stack.empty()) {
        const Frame f = stack.back();
        stack.pop_back();
        if (!seen.insert(f.node).second) {
            return "a capability appears twice in the derivation tree";
        }
        if (f.node->empty()) {
            return "an empty slot is in the derivation tree";
        }
        if (f.parent != nullptr && caps::same_object(f.node->cap, f.parent->cap)) {
            if (!caps::is_subset(f.node->cap.rights, f.parent->cap.rights)) {
                return "a derived capability has a right its parent lacks";
            }
            if (f.parent->cap.badge != 0 && f.node->cap.badge != f.parent->cap.badge) {
                return "a derived capability changed a set badge";
            }
        }
        for (caps::Slot* c = f.node->mdb.first_child; c != nullptr; c = caps::mdb::next_sibling(*c)) {
            stack.push_back({c, f.node});
        }
    }
    return {};
}

}  // namespace

std::string check_kernel_invariants(SimSystem& system) {
    Kernel& k = system.kernel();
    if (const char* e = k.scheduler.check()) {
        return e;
    }
    for (unsigned i = 0; i < thread_count; ++i) {
        const caps::Slot& tcb_slot = system.slot(slot_tcb_base + i);
        if (tcb_slot.empty() || tcb_slot.cap.kind != caps::ObjectKind::tcb) {
            continue;  // the thread was deleted
        }
        if (std::string e = check_thread(k, system.thread(i)); !e.empty()) {
            return "thread " + std::to_string(i) + ": " + e;
        }
    }
    return check_tree(k);
}

}  // namespace septum::kernel::sim
