// TCB invocations: configure, registers, scheduling, notification binding.
#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using Op = abi::Invocation;

struct Registers {
    std::uint64_t rip = 0, rsp = 0, rflags = 0, rdi = 0, rsi = 0, rdx = 0;
};

// What a TCB invocation does, checked. Only the fields of `op` are set.
struct TcbInvocation {
    Op op = Op::tcb_suspend;
    Tcb* target = nullptr;
    // configure: the capability each of the TCB's slots gets a copy of
    // (nullptr: the slot is emptied), and the IPC buffer's address.
    caps::Slot* sources[Tcb::slot_count] = {};
    std::uint64_t ipc_buffer_address = 0;
    Registers registers;                    // write_registers
    std::uint8_t priority = 0;              // set_priority
    Notification* notification = nullptr;   // bind_notification
    SchedContext* sched_context = nullptr;  // set_sched_context (nullptr: unbind)
};

// The kind each of a TCB's slots holds, in Tcb::SlotIndex order, and the
// message word configure names it by.
struct SlotSpec {
    ObjectKind kind;
    unsigned word;
};
constexpr SlotSpec slot_specs[Tcb::slot_count] = {
    {ObjectKind::cnode, 0}, {ObjectKind::pml4, 1}, {ObjectKind::frame_4k, 2}, {ObjectKind::endpoint, 4}};

// Every capability is looked up, in the caller's CSpace as it is now,
// before any slot changes.
Status decode_configure(Kernel& k, const Tcb& caller, const Arguments& a, TcbInvocation& i) {
    if (!a.has(5)) {
        return Status::invalid_argument;
    }
    for (unsigned s = 0; s < Tcb::slot_count; ++s) {
        const std::uint64_t raw_cptr = a.raw(slot_specs[s].word);
        if (raw_cptr == 0) {
            continue;
        }
        const Result<caps::Slot*> found = extra_capability(k, caller, raw_cptr, slot_specs[s].kind);
        SEPTUM_TRY(found);
        i.sources[s] = found.value();
    }
    const std::uint64_t raw_ipc_buffer = a.raw(3);
    if (i.sources[Tcb::ipc_buffer_slot] != nullptr) {
        if (!arch::is_user_address(raw_ipc_buffer) || (raw_ipc_buffer & 0xfff) != 0) {
            return Status::invalid_argument;
        }
        i.ipc_buffer_address = raw_ipc_buffer;
    }
    return Status::ok;
}

Status decode_write_registers(const Tcb& caller, const Arguments& a, TcbInvocation& i) {
    if (!a.has(6)) {
        return Status::invalid_argument;
    }
    if (i.target == &caller) {
        return Status::invalid_argument;  // a running thread's registers are the caller's own
    }
    const std::uint64_t raw_rip = a.raw(0), raw_rsp = a.raw(1);
    // rip must be a user address (SYSRET to it cannot fault in the kernel);
    // rsp may be the very top of user space.
    if (!arch::is_user_address(raw_rip) || raw_rsp > arch::user_max) {
        return Status::invalid_argument;
    }
    // rdi, rsi, rdx are the thread's own data: any value will do.
    i.registers = Registers{raw_rip, raw_rsp, arch::sanitise_rflags(a.raw(2)), a.raw(3), a.raw(4), a.raw(5)};
    return Status::ok;
}

Status decode_bind_notification(Kernel& k, const Tcb& caller, const Arguments& a, TcbInvocation& i) {
    if (!a.has(1)) {
        return Status::invalid_argument;
    }
    const Result<caps::Slot*> found =
        extra_capability(k, caller, a.raw(0), ObjectKind::notification, caps::Rights::read);
    SEPTUM_TRY(found);
    auto* n = physical_pointer<Notification>(found.value()->cap.object);
    if (n->bound != nullptr || i.target->bound_notification != nullptr) {
        return Status::slot_occupied;
    }
    i.notification = n;
    return Status::ok;
}

Status decode_set_sched_context(Kernel& k, const Tcb& caller, const Arguments& a, TcbInvocation& i) {
    if (!a.has(1)) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_cptr = a.raw(0);
    if (raw_cptr == 0) {
        return Status::ok;  // unbind
    }
    const Result<caps::Slot*> found = extra_capability(k, caller, raw_cptr, ObjectKind::sched_context);
    SEPTUM_TRY(found);
    auto* sc = physical_pointer<SchedContext>(found.value()->cap.object);
    if (sc->bound != nullptr && sc->bound != i.target) {
        return Status::slot_occupied;  // one thread per SchedContext
    }
    i.sched_context = sc;
    return Status::ok;
}

Status decode_operands(Kernel& k, const Tcb& caller, const Arguments& a, TcbInvocation& i) {
    switch (i.op) {
        case Op::tcb_configure:
            return decode_configure(k, caller, a, i);
        case Op::tcb_write_registers:
            return decode_write_registers(caller, a, i);
        case Op::tcb_resume:
            // Not configured, it could not run (a thread already running is left as it is).
            if (i.target->state == ThreadState::inactive &&
                (i.target->cspace().empty() || i.target->vspace().empty())) {
                return Status::invalid_argument;
            }
            return Status::ok;
        case Op::tcb_set_priority:
            if (!a.has(1) || a.raw(0) > caller.priority) {
                return Status::invalid_argument;
            }
            i.priority = static_cast<std::uint8_t>(a.raw(0));
            return Status::ok;
        case Op::tcb_bind_notification:
            return decode_bind_notification(k, caller, a, i);
        case Op::tcb_set_sched_context:
            return decode_set_sched_context(k, caller, a, i);
        case Op::tcb_read_registers:
        case Op::tcb_suspend:
        case Op::tcb_unbind_notification:
            return Status::ok;
        default:
            return Status::invalid_argument;
    }
}

Result<TcbInvocation> decode_tcb(Kernel& k, const Tcb& caller, const caps::Slot& slot, Op op, const Arguments& a) {
    TcbInvocation i;
    i.op = op;
    i.target = physical_pointer<Tcb>(slot.cap.object);
    SEPTUM_TRY(decode_operands(k, caller, a, i));
    return i;
}

// Replaces each of the TCB's capabilities with a copy of its source. Cannot
// fail: each source holds a capability (decode looked it up, and deleting
// a TCB's capabilities empties no other slot: a CNode's slots wait for the
// reaper), each destination was just emptied, and the four kinds are
// derivable.
void configure(Kernel& k, const TcbInvocation& i) {
    Tcb& t = *i.target;
    for (unsigned s = 0; s < Tcb::slot_count; ++s) {
        caps::Slot& dest = t.slots[s];
        if (!dest.empty()) {
            (void)k.authority.remove(dest);
        }
        if (i.sources[s] != nullptr) {
            (void)k.authority.copy(*i.sources[s], dest);
        }
    }
    t.ipc_buffer_address = i.ipc_buffer_address;
}

void write_registers(Tcb& t, const Registers& r) {
    t.context.rip = r.rip;
    t.context.rsp = r.rsp;
    t.context.rflags = r.rflags;
    t.context.rdi = r.rdi;
    t.context.rsi = r.rsi;
    t.context.rdx = r.rdx;
    t.fast_return = false;
}

void read_registers(Tcb& caller, const Tcb& t) {
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
}

void resume(Kernel& k, Tcb& t) {
    if (t.state != ThreadState::inactive) {
        return;
    }
    t.fault_pending = false;
    k.scheduler.make_ready(t);
}

void unbind_notification(Tcb& t) {
    if (t.bound_notification != nullptr) {
        t.bound_notification->bound = nullptr;
        t.bound_notification = nullptr;
    }
}

Status invoke_tcb(Kernel& k, Tcb& caller, const TcbInvocation& i) {
    Tcb& t = *i.target;
    switch (i.op) {
        case Op::tcb_configure:
            configure(k, i);
            break;
        case Op::tcb_write_registers:
            write_registers(t, i.registers);
            break;
        case Op::tcb_read_registers:
            read_registers(caller, t);
            break;
        case Op::tcb_resume:
            resume(k, t);
            break;
        case Op::tcb_suspend:
            k.suspend(t);
            break;
        case Op::tcb_set_priority:
            k.scheduler.set_priority(t, i.priority);
            break;
        case Op::tcb_bind_notification:
            i.notification->bound = &t;
            t.bound_notification = i.notification;
            break;
        case Op::tcb_set_sched_context:
            k.scheduler.bind(t, i.sched_context);
            break;
        case Op::tcb_unbind_notification:
            unbind_notification(t);
            break;
        default:
            break;  // decode let no other label through
    }
    return Status::ok;
}

}  // namespace

Status tcb_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<TcbInvocation> decoded = decode_tcb(k, caller, slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_tcb(k, caller, decoded.value());
}

}  // namespace septum::kernel
