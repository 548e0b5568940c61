// Synchronous IPC on Endpoints, Notifications, replies and fault messages.
// A blocked thread keeps its message in its own registers and IPC buffer;
// it is copied when the partner arrives.
#include "kernel.hpp"
#include "physical.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel {

namespace {

std::uint64_t* register_word(arch::UserContext& c, unsigned i) {
    switch (i) {
        case 0:
            return &c.rdx;
        case 1:
            return &c.r8;
        case 2:
            return &c.r9;
        default:
            return &c.r10;
    }
}

}  // namespace

std::uint64_t message_word(const Tcb& t, unsigned i) {
    if (i < abi::register_message_count) {
        return *register_word(const_cast<arch::UserContext&>(t.context), i);
    }
    const abi::IpcBuffer* b = t.ipc_buffer();
    return b != nullptr && i < abi::max_message_length ? b->mr[i] : 0;
}

void set_message_word(Tcb& t, unsigned i, std::uint64_t value) {
    if (i < abi::register_message_count) {
        *register_word(t.context, i) = value;
        return;
    }
    abi::IpcBuffer* b = t.ipc_buffer();
    if (b != nullptr && i < abi::max_message_length) {
        b->mr[i] = value;
    }
}

void Kernel::transfer(Tcb& from, Tcb& to, std::uint64_t badge, bool can_grant) {
    if (from.fault_pending) {
        // A fault message: built from the TCB, not the faulting registers.
        for (unsigned i = 0; i < 3; ++i) {
            set_message_word(to, i, from.fault_words[i]);
        }
        set_message_info(to, abi::MessageInfo{from.fault_label, 3, 0});
        to.context.rdi = badge;
        set_status(to, Status::ok);
        return;
    }
    abi::MessageInfo info = abi::MessageInfo::decode(from.context.rsi);
    unsigned length = info.length < abi::max_message_length ? info.length : abi::max_message_length;
    // Words beyond the registers need both IPC buffers; without them the
    // message is cut to what the registers carry.
    if (length > abi::register_message_count && (from.ipc_buffer() == nullptr || to.ipc_buffer() == nullptr)) {
        length = abi::register_message_count;
    }
    for (unsigned i = 0; i < length; ++i) {
        set_message_word(to, i, message_word(from, i));
    }
    std::uint8_t caps = 0;
    if (can_grant && info.extra_caps > 0) {
        caps = transfer_cap(from, to) ? 1 : 0;
    }
    set_message_info(to, abi::MessageInfo{info.label, static_cast<std::uint8_t>(length), caps});
    to.context.rdi = badge;
    set_status(to, Status::ok);
}

// Copies the sender's first extra capability into the receiver's receive
// slot. Any failure (no buffers, bad addresses, an occupied slot) transfers
// nothing; the message itself still goes through, as in seL4.
bool Kernel::transfer_cap(Tcb& from, Tcb& to) {
    const abi::IpcBuffer* fb = from.ipc_buffer();
    const abi::IpcBuffer* tb = to.ipc_buffer();
    if (fb == nullptr || tb == nullptr || tb->receive_cnode == 0) {
        return false;
    }
    auto src = caps::lookup_capability(*this, from.cspace(), caps::Address{fb->caps[0], 64});
    auto cnode = caps::lookup_capability(*this, to.cspace(), caps::Address{tb->receive_cnode, 64});
    if (!src.ok() || !cnode.ok() || cnode.value()->cap.kind != caps::ObjectKind::cnode) {
        return false;
    }
    const caps::Capability& c = cnode.value()->cap;
    if (tb->receive_index >= (std::uint64_t{1} << c.radix())) {
        return false;
    }
    caps::Slot& dest = cnode_slots(c.object)[tb->receive_index];
    return authority.copy(*src.value(), dest) == Status::ok;
}

void Kernel::complete_send(Tcb& sender, Tcb& receiver, const SendOptions& options) {
    transfer(sender, receiver, options.badge, options.can_grant);
    scheduler.make_ready(receiver);
    if (options.is_call) {
        scheduler.remove(sender);
        sender.state = ThreadState::blocked_reply;
        link_reply(sender, receiver);
    } else {
        set_status(sender, Status::ok);
    }
}

// A thread answers one call at a time: a caller it never answered is let go
// with an error (empty_slot: its reply right is gone) rather than left
// waiting forever.
void Kernel::abandon_caller(Tcb& t) {
    if (t.caller == nullptr) {
        return;
    }
    Tcb& caller = *t.caller;
    t.caller = nullptr;
    caller.callee = nullptr;
    caller.fault_pending = false;
    set_status(caller, Status::empty_slot);
    scheduler.make_ready(caller);
}

void Kernel::link_reply(Tcb& caller, Tcb& callee) {
    abandon_caller(callee);
    caller.state = ThreadState::blocked_reply;
    caller.callee = &callee;
    callee.caller = &caller;
}

void Kernel::send(Tcb& sender, Endpoint& ep, const SendOptions& options) {
    if (ep.has_receiver()) {
        Tcb& receiver = *ep.queue.pop();
        complete_send(sender, receiver, options);
        return;
    }
    if (!options.blocking) {
        set_status(sender, Status::ok);  // NBSend: no receiver, the message is dropped
        return;
    }
    scheduler.remove(sender);
    sender.state = ThreadState::blocked_send;
    sender.ipc_badge = options.badge;
    sender.ipc_can_grant = options.can_grant;
    sender.ipc_is_call = options.is_call;
    ep.queue.append(sender, &ep);
}

void Kernel::receive(Tcb& receiver, Endpoint& ep) {
    Notification* bound = receiver.bound_notification;
    if (bound != nullptr && bound->word != 0) {
        receiver.context.rdi = bound->word;
        bound->word = 0;
        set_message_info(receiver, abi::MessageInfo{});
        set_status(receiver, Status::ok);
        return;
    }
    if (ep.has_sender()) {
        Tcb& sender = *ep.queue.pop();
        const SendOptions options{sender.ipc_badge, sender.ipc_can_grant, sender.ipc_is_call, true};
        sender.state = ThreadState::ready;  // complete_send decides its next state
        if (options.is_call) {
            transfer(sender, receiver, options.badge, options.can_grant);
            link_reply(sender, receiver);
        } else {
            transfer(sender, receiver, options.badge, options.can_grant);
            set_status(sender, Status::ok);
            scheduler.make_ready(sender);
        }
        return;
    }
    scheduler.remove(receiver);
    receiver.state = ThreadState::blocked_recv;
    ep.queue.append(receiver, &ep);
}

void Kernel::reply(Tcb& replier) {
    Tcb* caller = replier.caller;
    if (caller == nullptr) {
        return;  // nobody to reply to: seL4 ignores such a reply too
    }
    replier.caller = nullptr;
    caller->callee = nullptr;
    if (caller->fault_pending) {
        fault_reply(replier, *caller);
        return;
    }
    transfer(replier, *caller, 0, false);
    scheduler.make_ready(*caller);
}

// The handler's verdict on a fault: label fault_reply_resume restarts the
// thread (at the address in word 0 if the reply has a word and it is a user
// address), any other label leaves it stopped.
void Kernel::fault_reply(Tcb& replier, Tcb& faulted) {
    faulted.fault_pending = false;
    const abi::MessageInfo info = abi::MessageInfo::decode(replier.context.rsi);
    if (info.label != abi::fault_reply_resume) {
        faulted.state = ThreadState::inactive;
        return;
    }
    if (info.length >= 1) {
        const std::uint64_t raw_rip = message_word(replier, 0);
        if (arch::is_user_address(raw_rip)) {
            faulted.context.rip = raw_rip;
        }
    }
    faulted.fast_return = false;  // all registers must be restored
    scheduler.make_ready(faulted);
}

void Kernel::signal(Notification& n, std::uint64_t badge) {
    if (Tcb* waiter = n.waiters.pop(); waiter != nullptr) {
        if (waiter->halted) {
            n.word |= badge;  // its run takes it when it executes again
            waiter->halted = false;
            scheduler.unsleep(*waiter);
            scheduler.make_ready(*waiter);
            return;
        }
        waiter->context.rdi = n.word | badge;
        n.word = 0;
        set_status(*waiter, Status::ok);
        scheduler.make_ready(*waiter);
        return;
    }
    Tcb* bound = n.bound;
    if (bound != nullptr && bound->state == ThreadState::blocked_recv) {
        cancel_ipc(*bound);
        bound->context.rdi = n.word | badge;
        n.word = 0;
        set_message_info(*bound, abi::MessageInfo{});
        set_status(*bound, Status::ok);
        scheduler.make_ready(*bound);
        return;
    }
    n.word |= badge;
}

void Kernel::wait(Tcb& waiter, Notification& n) {
    if (n.word != 0) {
        waiter.context.rdi = n.word;
        n.word = 0;
        set_status(waiter, Status::ok);
        return;
    }
    scheduler.remove(waiter);
    waiter.state = ThreadState::blocked_notify;
    n.waiters.append(waiter, &n);
}

void Kernel::halt(Tcb& t, std::uint64_t deadline) {
    Notification& n = *t.bound_notification;
    scheduler.remove(t);
    t.state = ThreadState::blocked_notify;
    t.halted = true;
    n.waiters.append(t, &n);
    if (deadline != 0) {
        scheduler.sleep(t, deadline);
    }
}

void Kernel::cancel_ipc(Tcb& t) {
    switch (t.state) {
        case ThreadState::blocked_send:
        case ThreadState::blocked_recv:
            static_cast<Endpoint*>(t.queue_owner)->queue.remove(t);
            break;
        case ThreadState::blocked_notify:
            static_cast<Notification*>(t.queue_owner)->waiters.remove(t);
            t.halted = false;
            scheduler.unsleep(t);
            break;
        case ThreadState::blocked_reply:
            if (t.callee != nullptr) {
                t.callee->caller = nullptr;
                t.callee = nullptr;
            }
            break;
        case ThreadState::ready:
            scheduler.remove(t);
            break;
        case ThreadState::inactive:
            break;
    }
}

void Kernel::suspend(Tcb& t) {
    cancel_ipc(t);
    // Whoever waits for this thread's reply gets an error instead of
    // waiting forever.
    abandon_caller(t);
    t.state = ThreadState::inactive;
}

void Kernel::deliver_fault(Tcb& t, std::uint64_t label, std::uint64_t w0, std::uint64_t w1, std::uint64_t w2) {
    const caps::Slot& ep_slot = t.slots[Tcb::fault_endpoint_slot];
    if (ep_slot.empty() || ep_slot.cap.kind != caps::ObjectKind::endpoint) {
        suspend(t);  // no handler: the thread stops, the system goes on
        return;
    }
    t.fault_pending = true;
    t.fault_label = label;
    t.fault_words[0] = w0;
    t.fault_words[1] = w1;
    t.fault_words[2] = w2;
    auto* ep = physical_pointer<Endpoint>(ep_slot.cap.object);
    send(t, *ep, SendOptions{ep_slot.cap.badge, false, true, true});
}

}  // namespace septum::kernel
