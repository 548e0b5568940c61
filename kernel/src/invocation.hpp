// Object invocations (abi/invocation.hpp), seL4's way: decode, then invoke.
//
// Each object kind has a file in invoke/ with two steps:
//
//   decode_X(…) -> Result<XInvocation>
//       the one place the message is read. It checks the label, the number
//       of words, every value's range, and every extra capability (looked
//       up, of its kind, with its rights), and yields a typed struct of
//       checked values. Words are raw (`raw_…`) until checked. Decoding
//       changes nothing; its failure is the status user space sees.
//       (One exception, kept where it happens: delete and retype first
//       finish destruction an earlier delete left pending, restartably,
//       because the reaper may destroy what their addresses resolve through.)
//   invoke_X(k, caller, const XInvocation&) -> Status
//       acts on the checked values only and cannot fail on user input. It
//       returns ok, or preempted for one bounded step of a long operation
//       (the syscall then runs again and is decoded afresh). The CNode
//       copies and moves and Untyped retype are the capability library's
//       operations split in two (caps/authority.hpp): decode calls check_X,
//       which refuses with the library's status and yields a checked plan,
//       and invoke calls apply_X, which cannot fail.
//
// X_invocation(…) runs the two; invoke() picks it by the object's kind.
#pragma once

#include "kernel.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel {

// Performs the invocation named by info.label on the capability in `slot`.
// Results go to the caller's message registers; the status is returned.
Status invoke(Kernel& k, Tcb& caller, caps::Slot& slot, const abi::MessageInfo& info);

// The message words of an invocation as the caller sent them: every word is
// unchecked input until a decoder has checked it.
class Arguments {
public:
    Arguments(const Tcb& caller, const abi::MessageInfo& info) : caller_(caller), count_(info.length) {}
    // Whether the caller sent at least n words.
    [[nodiscard]] bool has(unsigned n) const { return count_ >= n; }
    // Word i, unchecked.
    [[nodiscard]] std::uint64_t raw(unsigned i) const { return message_word(caller_, i); }

private:
    const Tcb& caller_;
    unsigned count_;
};

// The capability at raw_cptr (depth 64) in the caller's CSpace.
Result<caps::Slot*> caller_capability(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr);

// An extra capability an invocation names by raw_cptr in the caller's
// CSpace: looked up, then of `kind` (else wrong_kind), then holding every
// right in `rights` (else insufficient_rights), checked in that order.
Result<caps::Slot*> extra_capability(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, caps::ObjectKind kind,
                                     caps::Rights rights = caps::Rights::none);

// Decoded and invoked (see above), one per object kind.
Status untyped_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status cnode_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status tcb_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status sched_context_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status irq_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status io_port_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status frame_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status paging_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status vcpu_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);

// Long operations (revoke, the reaper) run in steps of this many units;
// when a step runs out, the caller's rip is set back over its SYSCALL so
// that it runs the same syscall again, and pending interrupts are taken
// in between (the kernel is not preempted, the operation is).
inline constexpr std::uint64_t operation_budget = 256;
inline constexpr std::uint64_t syscall_instruction_length = 2;

// Finishes destruction a delete left pending (a CNode's slots wait for the
// reaper) by one bounded step; `preempted` (with the caller set to run its
// syscall again) while work remains.
Status reap_pending(Kernel& k, Tcb& caller);

}  // namespace septum::kernel
