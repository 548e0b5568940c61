// System call decoding: which syscall, which capability, which object.
// Everything here reads the caller's saved registers (untrusted) and either
// performs the operation or sets an error status; nothing a caller passes
// can make the kernel fail.
#include "invocation.hpp"
#include "kernel.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using caps::Rights;

bool has(const caps::Capability& c, Rights r) { return caps::is_subset(r, c.rights); }

Status endpoint_send(Kernel& k, Tcb& t, const caps::Capability& c, bool is_call, bool blocking) {
    if (!has(c, Rights::write)) {
        return Status::insufficient_rights;
    }
    // A Call needs grant-reply (the receiver gets to answer), as in seL4.
    if (is_call && !has(c, Rights::grant_reply)) {
        return Status::insufficient_rights;
    }
    k.send(t, *physical_pointer<Endpoint>(c.object),
           Kernel::SendOptions{c.badge, has(c, Rights::grant), is_call, blocking});
    return Status::ok;
}

Status notification_signal(Kernel& k, Tcb& t, const caps::Capability& c) {
    if (!has(c, Rights::write)) {
        return Status::insufficient_rights;
    }
    k.signal(*physical_pointer<Notification>(c.object), c.badge);
    set_status(t, Status::ok);
    return Status::ok;
}

Status receive_on(Kernel& k, Tcb& t, const caps::Capability& c) {
    if (!has(c, Rights::read)) {
        return Status::insufficient_rights;
    }
    if (c.kind == ObjectKind::endpoint) {
        k.receive(t, *physical_pointer<Endpoint>(c.object));
        return Status::ok;
    }
    if (c.kind == ObjectKind::notification) {
        k.wait(t, *physical_pointer<Notification>(c.object));
        return Status::ok;
    }
    return Status::wrong_kind;
}

// Send, NBSend and Call: the object decides what they mean.
Status send_like(Kernel& k, Tcb& t, caps::Slot& slot, abi::Syscall sc) {
    const caps::Capability& c = slot.cap;
    switch (c.kind) {
        case ObjectKind::endpoint:
            return endpoint_send(k, t, c, sc == abi::Syscall::call, sc != abi::Syscall::nb_send);
        case ObjectKind::notification:
            return sc == abi::Syscall::call ? Status::wrong_kind : notification_signal(k, t, c);
        default: {
            // Results replace the message: rsi says how many words came back.
            const std::uint64_t raw_info = t.context.rsi;
            t.context.rsi = abi::MessageInfo{}.encode();
            const Status s = invoke(k, t, slot, abi::MessageInfo::decode(raw_info));
            if (s == Status::preempted) {
                t.context.rsi = raw_info;  // the syscall runs again, unchanged
                return Status::ok;
            }
            set_status(t, s);
            return Status::ok;
        }
    }
}

Status dispatch(Kernel& k, Tcb& t, abi::Syscall sc) {
    if (sc == abi::Syscall::yield) {
        k.scheduler.rotate(t);
        set_status(t, Status::ok);
        return Status::ok;
    }
    if (sc == abi::Syscall::reply_recv) {
        k.reply(t);
    }
    auto found = caps::lookup_capability(k, t.cspace(), caps::Address{t.context.rdi, 64});
    if (!found.ok()) {
        return found.status();
    }
    caps::Slot& slot = *found.value();
    switch (sc) {
        case abi::Syscall::call:
        case abi::Syscall::send:
        case abi::Syscall::nb_send:
            return send_like(k, t, slot, sc);
        case abi::Syscall::recv:
        case abi::Syscall::reply_recv:
            return receive_on(k, t, slot.cap);
        case abi::Syscall::signal:
            return slot.cap.kind == ObjectKind::notification ? notification_signal(k, t, slot.cap) : Status::wrong_kind;
        case abi::Syscall::wait:
            return slot.cap.kind == ObjectKind::notification ? receive_on(k, t, slot.cap) : Status::wrong_kind;
        default:
            return Status::invalid_argument;
    }
}

bool known_syscall(std::uint64_t raw) {
    switch (static_cast<abi::Syscall>(raw)) {
#define SEPTUM_SYSCALL_CASE(name, number, summary) case abi::Syscall::name:
        SEPTUM_SYSCALLS(SEPTUM_SYSCALL_CASE)
#undef SEPTUM_SYSCALL_CASE
        return true;
    }
    return false;
}

}  // namespace

bool Kernel::handle_syscall() {
    Tcb& t = *current;
    t.fast_return = true;
    const std::uint64_t raw_number = t.context.rax;
    Fast fast = Fast::declined;
    if (raw_number == static_cast<std::uint64_t>(abi::Syscall::call)) {
        fast = fast_call(t);
    } else if (raw_number == static_cast<std::uint64_t>(abi::Syscall::reply_recv)) {
        fast = fast_reply_recv(t);
    }
    if (fast != Fast::declined) {
        return fast == Fast::switched;
    }
    if (!known_syscall(raw_number)) {
        set_status(t, Status::invalid_argument);
        return false;
    }
    const Status s = dispatch(*this, t, static_cast<abi::Syscall>(raw_number));
    if (s != Status::ok) {
        set_status(t, s);
    }
    return false;
}

}  // namespace septum::kernel
