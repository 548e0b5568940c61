// The specification's initial state, built from the description and the
// placement as the real builder builds it, its step, and its view.
#include "spec.hpp"

namespace septum::kernel::proofs {

namespace {

using caps::ObjectKind;

Spec::Cap new_cap(ObjectKind kind, std::uint64_t object, std::uint8_t size_bits) {
    Spec::Cap c;
    c.kind = kind;
    c.object = object;
    c.size_bits = size_bits;
    c.rights = static_cast<std::uint8_t>(caps::meaningful_rights(kind));
    return c;
}

constexpr CapLocation boot{0, 0};

}  // namespace

Spec::Spec(const Description& d, const Placement& p) {
    caps_[boot] = Cap{};
    auto initial = [&](CapLocation where, ObjectKind kind, std::uint64_t object, std::uint8_t bits) {
        install(boot, where, new_cap(kind, object, bits));
    };
    auto derived = [&](CapLocation from, CapLocation to, std::uint8_t rights, std::uint64_t badge) {
        Cap c = caps_.at(from);
        c.rights = static_cast<std::uint8_t>(c.rights & rights);
        c.badge = badge;
        install(from, to, c);
    };
    std::uint64_t root_slot = 1;
    for (unsigned i = 0; i < d.channels.size(); ++i) {
        initial({p.root_cnode, root_slot++}, ObjectKind::endpoint, p.channel_endpoints[i], 4);
        endpoints_[p.channel_endpoints[i]];
    }
    for (unsigned c = 0; c < d.cells; ++c) {
        const CellPlacement& cp = p.cells[c];
        auto at = [&](std::uint64_t s) { return CapLocation{cp.cnode, s}; };
        cnodes_.push_back(cp.cnode);
        Cap cnode = new_cap(ObjectKind::cnode, cp.cnode, cell_radix + caps::slot_bits);
        cnode.guard_bits = 64 - cell_radix;
        install(boot, at(slot::cnode), cnode);
        initial(at(slot::vspace), ObjectKind::pml4, cp.pml4, 12);
        initial(at(slot::pdpt), ObjectKind::pdpt, cp.pdpt, 12);
        initial(at(slot::pd), ObjectKind::page_directory, cp.pd, 12);
        initial(at(slot::pt), ObjectKind::page_table, cp.pt, 12);
        initial(at(slot::untyped), ObjectKind::untyped, cp.untyped, untyped_bits);
        initial(at(slot::data_frame), ObjectKind::frame_4k, cp.data_frame, 12);
        initial(at(slot::offered_frame), ObjectKind::frame_4k, cp.offered_frame, 12);
        const CapLocation ep{p.root_cnode, root_slot++}, ntfn{p.root_cnode, root_slot++};
        initial(ep, ObjectKind::endpoint, cp.endpoint, 4);
        initial(ntfn, ObjectKind::notification, cp.notification, 5);
        endpoints_[cp.endpoint];
        notifications_[cp.notification];
        derived(ep, at(slot::endpoint), own_endpoint_rights, own_badge(d, c, false));
        derived(ntfn, at(slot::notification), own_notification_rights, own_badge(d, c, true));
        for (unsigned i = 0; i < threads_per_cell; ++i) {
            initial({p.root_cnode, root_slot++}, ObjectKind::tcb, cp.tcb[i], 11);
            initial(at(slot::ipc_buffer + i), ObjectKind::frame_4k, cp.ipc_buffer[i], 12);
        }
        for (std::uint64_t s : {slot::pdpt, slot::pd, slot::pt}) {
            caps_.at(at(s)).mapped_root = cp.pml4;
        }
        auto map = [&](std::uint64_t s, std::uint64_t vaddr) {
            Cap& f = caps_.at(at(s));
            ptes_[{cp.pml4, vaddr}] = {f.object, true};
            f.mapped_root = cp.pml4;
            f.mapped_address = vaddr;
        };
        map(slot::data_frame, va::data);
        map(slot::offered_frame, va::offered);
        for (unsigned i = 0; i < threads_per_cell; ++i) {
            map(slot::ipc_buffer + i, va::ipc_buffer + 0x1000 * i);
            memory_[cp.ipc_buffer[i]] = Words{};
        }
        for (unsigned i = 0; i < observed_words; ++i) {
            memory_[cp.data_frame][i] = initial_word(d, c, false, i);
            memory_[cp.offered_frame][i] = initial_word(d, c, true, i);
        }
    }
    for (unsigned i = 0; i < d.channels.size(); ++i) {
        const Channel& ch = d.channels[i];
        const CapLocation original{p.root_cnode, 1 + i};
        derived(original, {p.cells[ch.from].cnode, slot::channel_out}, channel_send_rights(ch), channel_badge(i));
        derived(original, {p.cells[ch.to].cnode, slot::channel_in}, channel_receive_rights, 0);
    }
    for (const SharedFrame& f : d.shared) {
        const CapLocation theirs{p.cells[f.peer].cnode, slot::peer_frame};
        derived({p.cells[f.owner].cnode, slot::offered_frame}, theirs, shared_frame_rights(f), 0);
        Cap& c = caps_.at(theirs);
        ptes_[{p.cells[f.peer].pml4, va::peer}] = {c.object, f.writable};
        c.mapped_root = p.cells[f.peer].pml4;
        c.mapped_address = va::peer;
    }
    for (unsigned index = 0; index < d.thread_count(); ++index) {
        const unsigned c = index / threads_per_cell, i = index % threads_per_cell;
        const CellPlacement& cp = p.cells[c];
        Thread th;
        th.cell = c;
        th.tcb = cp.tcb[i];
        th.priority = d.threads[c][i].priority;
        th.sc = static_cast<int>(index);
        threads_.push_back(th);
        install({cp.cnode, slot::cnode}, {cp.tcb[i], 0}, caps_.at({cp.cnode, slot::cnode}));
        install({cp.cnode, slot::vspace}, {cp.tcb[i], 1}, caps_.at({cp.cnode, slot::vspace}));
        install({cp.cnode, slot::ipc_buffer + i}, {cp.tcb[i], 2}, caps_.at({cp.cnode, slot::ipc_buffer + i}));
        if (i == bound_thread) {
            threads_.back().bound = cp.notification;
            notifications_[cp.notification].bound = static_cast<int>(index);
        }
        SchedContext sc;
        sc.budget = d.threads[c][i].budget;
        sc.period = d.threads[c][i].period;
        sc.bound = static_cast<int>(index);
        sched_contexts_.push_back(sc);
        make_ready(static_cast<int>(index));
    }
    schedule();
}

std::uint64_t Spec::perform(const Action& a) {
    schedule();
    const int t = running_;
    if (t < 0 || a.kind == Action::Kind::spin) {
        return 0;
    }
    if (a.kind != Action::Kind::syscall) {
        return memory_access(t, a);
    }
    syscall(t, a);
    schedule();
    return 0;
}

View Spec::view() const {
    View v;
    v.running = running_;
    v.now = now_;
    std::vector<std::uint64_t> containers = cnodes_;
    for (const Thread& th : threads_) {
        containers.push_back(th.tcb);
        v.threads.push_back(ThreadView{static_cast<std::uint8_t>(th.state), th.regs, th.caller});
    }
    for (const auto& [where, c] : caps_) {
        bool shown = false;
        for (std::uint64_t k : containers) {
            shown = shown || where.first == k;
        }
        if (!shown || c.kind == ObjectKind::null) {
            continue;
        }
        v.caps[where] =
            CapView{static_cast<std::uint8_t>(c.kind), c.object, c.rights, c.badge, c.mapped_root, c.mapped_address};
        if (c.kind == ObjectKind::frame_4k) {
            v.memory[c.object] = memory_.count(c.object) != 0 ? memory_.at(c.object) : Words{};
        }
        if (c.kind == ObjectKind::endpoint) {
            const std::deque<int>& q = endpoints_.at(c.object);
            v.waiting[c.object] = std::vector<int>(q.begin(), q.end());
        }
        if (c.kind == ObjectKind::notification) {
            const Notification& n = notifications_.at(c.object);
            v.waiting[c.object] = std::vector<int>(n.waiters.begin(), n.waiters.end());
            v.signals[c.object] = n.word;
        }
    }
    return v;
}

}  // namespace septum::kernel::proofs
