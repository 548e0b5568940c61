// Object invocations (abi/invocation.hpp): decoding of the label and
// message words, checks, then the operation. Each object kind has its own
// file in invoke/.
#pragma once

#include "kernel.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel {

// Performs the invocation named by info.label on the capability in `slot`.
// Results go to the caller's message registers; the status is returned.
Status invoke(Kernel& k, Tcb& caller, caps::Slot& slot, const abi::MessageInfo& info);

// The message words of an invocation, with a check that enough were sent.
class Arguments {
public:
    Arguments(const Tcb& caller, const abi::MessageInfo& info) : caller_(caller), count_(info.length) {}
    [[nodiscard]] bool has(unsigned n) const { return count_ >= n; }
    [[nodiscard]] std::uint64_t operator[](unsigned i) const { return message_word(caller_, i); }

private:
    const Tcb& caller_;
    unsigned count_;
};

Status invoke_untyped(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_cnode(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_tcb(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_frame(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_paging(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_sched_context(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_vcpu(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
// Runs the VCPU at `object` for the calling VMM thread (returns only on an
// error; the exit returns to the thread by its own way).
Status vcpu_run(Tcb& caller, std::uint64_t object, std::uint64_t supply, std::uint64_t want);
Status invoke_irq(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);
Status invoke_io_port(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args);

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

// Looks up an address (depth 64) in the caller's CSpace.
caps::Slot* lookup(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, Status& error);

}  // namespace septum::kernel
