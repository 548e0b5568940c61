#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;

// Replaces the capability in one of the TCB's own slots with a copy of the
// capability at raw_cptr in the caller's CSpace (0 leaves the slot empty).
Status set_slot(Kernel& k, const Tcb& caller, Tcb& t, Tcb::SlotIndex which, std::uint64_t raw_cptr, ObjectKind kind) {
    caps::Slot& dest = t.slots[which];
    if (raw_cptr == 0) {
        if (!dest.empty()) {
            (void)k.authority.remove(dest);
        }
        return Status::ok;
    }
    Status error = Status::ok;
    caps::Slot* src = lookup(k, caller, raw_cptr, error);
    if (src == nullptr) {
        return error;
    }
    if (src->cap.kind != kind) {
        return Status::wrong_kind;
    }
    if (!dest.empty()) {
        (void)k.authority.remove(dest);
    }
    return k.authority.copy(*src, dest);
}

// Every capability is checked before any slot changes.
Status check_configure(Kernel& k, const Tcb& caller, const Arguments& a) {
    struct Want {
        std::uint64_t cptr;
        ObjectKind kind;
    };
    const Want wants[] = {{a[0], ObjectKind::cnode},
                          {a[1], ObjectKind::pml4},
                          {a[2], ObjectKind::frame_4k},
                          {a[4], ObjectKind::endpoint}};
    for (const Want& w : wants) {
        if (w.cptr == 0) {
            continue;
        }
        Status error = Status::ok;
        const caps::Slot* s = lookup(k, caller, w.cptr, error);
        if (s == nullptr) {
            return error;
        }
        if (s->cap.kind != w.kind) {
            return Status::wrong_kind;
        }
    }
    if (a[2] != 0 && (!arch::is_user_address(a[3]) || (a[3] & 0xfff) != 0)) {
        return Status::invalid_argument;
    }
    return Status::ok;
}

Status configure(Kernel& k, const Tcb& caller, Tcb& t, const Arguments& a) {
    if (!a.has(5)) {
        return Status::invalid_argument;
    }
    SEPTUM_TRY(check_configure(k, caller, a));
    SEPTUM_TRY(set_slot(k, caller, t, Tcb::cspace_slot, a[0], ObjectKind::cnode));
    SEPTUM_TRY(set_slot(k, caller, t, Tcb::vspace_slot, a[1], ObjectKind::pml4));
    SEPTUM_TRY(set_slot(k, caller, t, Tcb::ipc_buffer_slot, a[2], ObjectKind::frame_4k));
    SEPTUM_TRY(set_slot(k, caller, t, Tcb::fault_endpoint_slot, a[4], ObjectKind::endpoint));
    t.ipc_buffer_address = a[2] != 0 ? a[3] : 0;
    return Status::ok;
}

Status write_registers(Tcb& caller, Tcb& t, const Arguments& a) {
    if (!a.has(6)) {
        return Status::invalid_argument;
    }
    if (&t == &caller) {
        return Status::invalid_argument;  // a running thread's registers are the caller's own
    }
    const std::uint64_t raw_rip = a[0], raw_rsp = a[1];
    // rip must be a user address (SYSRET to it cannot fault in the kernel);
    // rsp may be the very top of user space.
    if (!arch::is_user_address(raw_rip) || raw_rsp > arch::user_max) {
        return Status::invalid_argument;
    }
    t.context.rip = raw_rip;
    t.context.rsp = raw_rsp;
    t.context.rflags = arch::sanitise_rflags(a[2]);
    t.context.rdi = a[3];
    t.context.rsi = a[4];
    t.context.rdx = a[5];
    t.fast_return = false;
    return Status::ok;
}

Status read_registers(Tcb& caller, const Tcb& t) {
    const std::uint64_t values[] = {t.context.rip, t.context.rsp, t.context.rflags, t.context.rax,
                                    t.context.rdi, t.context.rsi, t.context.rdx};
    unsigned n = 0;
    for (std::uint64_t v : values) {
        set_message_word(caller, n++, v);
    }
    if (caller.ipc_buffer() == nullptr) {
        n = abi::register_message_count;  // the rest needed the buffer
    }
    set_message_info(caller, abi::MessageInfo{0, static_cast<std::uint8_t>(n), 0});
    return Status::ok;
}

Status resume(Kernel& k, Tcb& t) {
    if (t.state != ThreadState::inactive) {
        return Status::ok;
    }
    if (t.cspace().empty() || t.vspace().empty()) {
        return Status::invalid_argument;  // not configured: it could not run
    }
    t.fault_pending = false;
    k.scheduler.make_ready(t);
    return Status::ok;
}

Status bind_notification(Kernel& k, const Tcb& caller, Tcb& t, const Arguments& a) {
    if (!a.has(1)) {
        return Status::invalid_argument;
    }
    Status error = Status::ok;
    caps::Slot* s = lookup(k, caller, a[0], error);
    if (s == nullptr) {
        return error;
    }
    if (s->cap.kind != ObjectKind::notification) {
        return Status::wrong_kind;
    }
    if (!caps::is_subset(caps::Rights::read, s->cap.rights)) {
        return Status::insufficient_rights;
    }
    auto* n = physical_pointer<Notification>(s->cap.object);
    if (n->bound != nullptr || t.bound_notification != nullptr) {
        return Status::slot_occupied;
    }
    n->bound = &t;
    t.bound_notification = n;
    return Status::ok;
}

Status set_sched_context(Kernel& k, const Tcb& caller, Tcb& t, const Arguments& a) {
    if (!a.has(1)) {
        return Status::invalid_argument;
    }
    if (a[0] == 0) {
        k.scheduler.bind(t, nullptr);
        return Status::ok;
    }
    Status error = Status::ok;
    const caps::Slot* s = lookup(k, caller, a[0], error);
    if (s == nullptr) {
        return error;
    }
    if (s->cap.kind != ObjectKind::sched_context) {
        return Status::wrong_kind;
    }
    auto* sc = physical_pointer<SchedContext>(s->cap.object);
    if (sc->bound != nullptr && sc->bound != &t) {
        return Status::slot_occupied;  // one thread per SchedContext
    }
    k.scheduler.bind(t, sc);
    return Status::ok;
}

}  // namespace

Status invoke_tcb(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    Tcb& t = *physical_pointer<Tcb>(slot.cap.object);
    switch (op) {
        case abi::Invocation::tcb_configure:
            return configure(k, caller, t, a);
        case abi::Invocation::tcb_write_registers:
            return write_registers(caller, t, a);
        case abi::Invocation::tcb_read_registers:
            return read_registers(caller, t);
        case abi::Invocation::tcb_resume:
            return resume(k, t);
        case abi::Invocation::tcb_suspend:
            k.suspend(t);
            return Status::ok;
        case abi::Invocation::tcb_set_priority:
            if (!a.has(1) || a[0] > caller.priority) {
                return Status::invalid_argument;
            }
            k.scheduler.set_priority(t, static_cast<std::uint8_t>(a[0]));
            return Status::ok;
        case abi::Invocation::tcb_bind_notification:
            return bind_notification(k, caller, t, a);
        case abi::Invocation::tcb_set_sched_context:
            return set_sched_context(k, caller, t, a);
        case abi::Invocation::tcb_unbind_notification:
            if (t.bound_notification != nullptr) {
                t.bound_notification->bound = nullptr;
                t.bound_notification = nullptr;
            }
            return Status::ok;
        default:
            return Status::invalid_argument;
    }
}

}  // namespace septum::kernel
