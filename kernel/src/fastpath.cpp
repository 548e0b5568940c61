// The IPC fast path: Call and ReplyRecv in their common case, as seL4 does
// it. It does what the general path (syscall.cpp, ipc.cpp) would do, only
// for the shapes that need no more: the capability is in a one-level CSpace,
// the message fits in registers with no capability attached, and a partner
// is already waiting. Anything else returns false, untouched, and the
// general path handles it. Tests and the fuzzer run both paths; the
// invariants do not tell them apart.
#include "invocation.hpp"
#include "kernel.hpp"
#include "object/vcpu.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using caps::Rights;

// The slot for a depth-64 address in a CSpace whose root CNode resolves all
// 64 bits at once (guard + radix = 64), as the root task's and most servers'
// do; nullptr for any other shape (the general lookup decides those).
caps::Slot* one_level_lookup(const Tcb& t, std::uint64_t raw_cptr) {
    const caps::Capability& root = t.cspace().cap;
    if (root.kind != ObjectKind::cnode || root.guard_bits + root.radix() != 64) {
        return nullptr;
    }
    const std::uint8_t radix = root.radix();
    if ((raw_cptr >> radix) != root.guard) {
        return nullptr;
    }
    return physical_pointer<caps::Slot>(root.object) + (raw_cptr & ((std::uint64_t{1} << radix) - 1));
}

bool has(const caps::Capability& c, Rights r) { return caps::is_subset(r, c.rights); }

// Copies the register part of a message (length <= 4, no capabilities):
// exactly its words, as the general path does. The receiver's other
// registers keep its own values; copying all four would hand it whatever
// the sender left in registers beyond its message.
void copy_registers(const Tcb& from, Tcb& to, std::uint64_t info, std::uint64_t badge) {
    const unsigned length = abi::MessageInfo::decode(info).length;
    if (length > 0) {
        to.context.rdx = from.context.rdx;
    }
    if (length > 1) {
        to.context.r8 = from.context.r8;
    }
    if (length > 2) {
        to.context.r9 = from.context.r9;
    }
    if (length > 3) {
        to.context.r10 = from.context.r10;
    }
    to.context.rsi = info;
    to.context.rdi = badge;
    to.context.rax = static_cast<std::uint64_t>(Status::ok);
}

// Message info words the fast path takes: no extra capabilities and at most
// the register words, with the unused bits 9-11 clear. Such a word is
// delivered exactly as it is; any other gives ~0.
std::uint64_t register_only(std::uint64_t raw_info) {
    const std::uint64_t fields = raw_info & 0xfff;  // length, extra caps, unused bits
    return fields <= abi::register_message_count ? raw_info : ~std::uint64_t{0};
}

}  // namespace

Kernel::Fast Kernel::fast_call(Tcb& caller) {
    const std::uint64_t info = register_only(caller.context.rsi);
    if (info == ~std::uint64_t{0} || caller.fault_pending) {
        return Fast::declined;
    }
    caps::Slot* slot = one_level_lookup(caller, caller.context.rdi);
    if (slot != nullptr && slot->cap.kind == ObjectKind::vcpu) {
        return fast_vcpu_run(caller, *slot, info);
    }
    if (slot == nullptr || slot->cap.kind != ObjectKind::endpoint ||
        !has(slot->cap, Rights::write | Rights::grant_reply)) {
        return Fast::declined;
    }
    auto* ep = physical_pointer<Endpoint>(slot->cap.object);
    if (!ep->has_receiver() || ep->queue.head->caller != nullptr) {
        return Fast::declined;  // nobody waiting, or one with an unanswered call: general path
    }
    Tcb& receiver = *ep->queue.pop();
    copy_registers(caller, receiver, info, slot->cap.badge);
    // The caller is the running thread, which is never in the ready queue:
    // blocking it is a change of state only.
    caller.state = ThreadState::blocked_reply;
    caller.callee = &receiver;
    receiver.caller = &caller;
    receiver.state = ThreadState::ready;
    if (scheduler.switch_to(receiver)) {
        return Fast::switched;
    }
    scheduler.make_ready(receiver);
    return Fast::handled;
}

// A VMM's run of its VCPU, the call it makes after every exit: straight to
// the VCPU, past the general lookup, through the run's one decoder. Other
// VCPU invocations go the general way.
Kernel::Fast Kernel::fast_vcpu_run(Tcb& caller, caps::Slot& slot, std::uint64_t info) {
    const abi::MessageInfo decoded = abi::MessageInfo::decode(info);
    if (decoded.label != static_cast<std::uint64_t>(abi::Invocation::vcpu_run) || decoded.length < 2) {
        return Fast::declined;
    }
    // The words are in registers (length <= 4 here): supply, want and the
    // deadline if given. The caller's registers stay as they are until the
    // run returns: a run the kernel restarts after an exit it keeps, or
    // after the halted guest's wait, executes this call again.
    VcpuRun run{};
    const std::uint64_t deadline = decoded.length >= 3 ? caller.context.r9 : 0;
    if (const Status s = decode_vcpu_run(caller.context.rdx, caller.context.r8, deadline, run); s != Status::ok) {
        set_message_info(caller, abi::MessageInfo{});  // as the general path's reply
        set_status(caller, s);
        return Fast::handled;
    }
    const Status s = vcpu_run(caller, slot.cap.object, run);
    if (s == Status::preempted) {
        caller.context.rip -= syscall_instruction_length;  // it waits; then the call runs again
        return Fast::handled;
    }
    set_status(caller, s);
    return Fast::handled;
}

Kernel::Fast Kernel::fast_reply_recv(Tcb& server) {
    Tcb* client = server.caller;
    const std::uint64_t info = register_only(server.context.rsi);
    if (client == nullptr || client->fault_pending || info == ~std::uint64_t{0}) {
        return Fast::declined;
    }
    const caps::Slot* slot = one_level_lookup(server, server.context.rdi);
    if (slot == nullptr || slot->cap.kind != ObjectKind::endpoint || !has(slot->cap, Rights::read)) {
        return Fast::declined;
    }
    auto* ep = physical_pointer<Endpoint>(slot->cap.object);
    const Notification* bound = server.bound_notification;
    if (ep->has_sender() || (bound != nullptr && bound->word != 0)) {
        return Fast::declined;  // the receive would not block: general path
    }
    copy_registers(server, *client, info, 0);
    server.caller = nullptr;
    client->callee = nullptr;
    server.state = ThreadState::blocked_recv;
    ep->queue.append(server, ep);
    client->state = ThreadState::ready;
    if (scheduler.switch_to(*client)) {
        return Fast::switched;
    }
    scheduler.make_ready(*client);
    return Fast::handled;
}

}  // namespace septum::kernel
