// Kernel-level invariants over a SimSystem (sim_system.hpp).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <map>
#include <tuple>

#include "physical.hpp"
#include "septum/abi/x86.hpp"
#include "septum/caps/mdb.hpp"
#include "sim_system.hpp"
#include "vspace.hpp"

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

// Every capability in the derivation tree, in no particular order.
std::vector<const caps::Slot*> all_capabilities(const Kernel& k) {
    std::vector<const caps::Slot*> out;
    std::vector<const caps::Slot*> stack;
    for (caps::Slot* c = k.authority.tree_root().mdb.first_child; c != nullptr; c = caps::mdb::next_sibling(*c)) {
        stack.push_back(c);
    }
    while (!stack.empty() && out.size() < 100000) {
        const caps::Slot* s = stack.back();
        stack.pop_back();
        out.push_back(s);
        for (caps::Slot* c = s->mdb.first_child; c != nullptr; c = caps::mdb::next_sibling(*c)) {
            stack.push_back(c);
        }
    }
    return out;
}

using Leaf = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;  // root, vaddr, phys

// The user-half leaves of a live address space, found by walking its
// present entries (4 KiB and 2 MiB pages).
void collect_leaves(std::uint64_t pml4, std::vector<Leaf>& out) {
    const auto* l4 = physical_pointer<const std::uint64_t>(pml4);
    constexpr std::uint64_t present = abi::x86::pte::present, large = abi::x86::pte::large,
                            addr = abi::x86::pte::address;
    for (unsigned i4 = 0; i4 < 256; ++i4) {
        if ((l4[i4] & present) == 0) {
            continue;
        }
        const auto* l3 = physical_pointer<const std::uint64_t>(l4[i4] & addr);
        for (unsigned i3 = 0; l3 != nullptr && i3 < 512; ++i3) {
            if ((l3[i3] & present) == 0) {
                continue;
            }
            const auto* l2 = physical_pointer<const std::uint64_t>(l3[i3] & addr);
            for (unsigned i2 = 0; l2 != nullptr && i2 < 512; ++i2) {
                const std::uint64_t va2 =
                    (std::uint64_t{i4} << 39) | (std::uint64_t{i3} << 30) | (std::uint64_t{i2} << 21);
                if ((l2[i2] & present) == 0) {
                    continue;
                }
                if ((l2[i2] & large) != 0) {
                    out.emplace_back(pml4, va2, l2[i2] & addr);
                    continue;
                }
                const auto* l1 = physical_pointer<const std::uint64_t>(l2[i2] & addr);
                for (unsigned i1 = 0; l1 != nullptr && i1 < 512; ++i1) {
                    if ((l1[i1] & present) != 0) {
                        out.emplace_back(pml4, va2 | (std::uint64_t{i1} << 12), l1[i1] & addr);
                    }
                }
            }
        }
    }
}

// User memory is reachable only through capabilities: every page mapped in a
// live address space is there because a Frame capability that still exists
// mapped it there. (The converse need not hold: when a page table goes, the
// frames it mapped are unreachable while their capabilities still record
// the mapping, until they are unmapped or deleted.)
std::string check_mappings(const Kernel& k) {
    std::vector<Leaf> recorded;
    std::set<std::uint64_t> roots;
    for (const caps::Slot* s : all_capabilities(k)) {
        const caps::Capability& c = s->cap;
        if (c.kind == caps::ObjectKind::pml4 && k.address_spaces.generation(c.object) != 0) {
            roots.insert(c.object);
        }
        const bool frame = c.kind == caps::ObjectKind::frame_4k || c.kind == caps::ObjectKind::frame_2m;
        if (frame && k.mapping_alive(c)) {
            recorded.emplace_back(c.mapped_root, c.mapped_address, c.object);
        }
    }
    std::vector<Leaf> present;
    for (std::uint64_t root : roots) {
        collect_leaves(root, present);
    }
    std::sort(recorded.begin(), recorded.end());
    for (const Leaf& leaf : present) {
        if (!std::binary_search(recorded.begin(), recorded.end(), leaf)) {
            return "a page is mapped that no Frame capability accounts for (virtual address " +
                   std::to_string(std::get<1>(leaf)) + ")";
        }
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
    if (std::string e = check_tree(k); !e.empty()) {
        return e;
    }
    return check_mappings(k);
}

}  // namespace septum::kernel::sim
