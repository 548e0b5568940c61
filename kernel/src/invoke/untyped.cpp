// Untyped invocations: retype memory into new objects.
#include "invocation.hpp"

namespace septum::kernel {

namespace {

// What retype makes and where its capabilities go, checked by the
// capability library: the plan is the whole invocation.
using UntypedInvocation = caps::RetypePlan;

Result<UntypedInvocation> decode_untyped(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op,
                                         const Arguments& a) {
    if (op != abi::Invocation::untyped_retype || !a.has(5)) {
        return Status::invalid_argument;
    }
    // The watermark resets only when nothing made from the Untyped lives:
    // objects still held in a deleted CNode must be gone first. Restartable,
    // and before the lookup: the reaper may destroy what it resolves through.
    SEPTUM_TRY(reap_pending(k, caller));
    const Result<caps::Slot*> cnode = caller_capability(k, caller, a.raw(2));
    SEPTUM_TRY(cnode);
    // The kind, size, destination range and room, in the order their
    // statuses pin: the library's check half of retype.
    return k.authority.check_retype(slot, a.raw(0), a.raw(1), *cnode.value(), a.raw(3), a.raw(4));
}

Status invoke_untyped(Kernel& k, const UntypedInvocation& i) {
    k.authority.apply_retype(i);
    return Status::ok;
}

}  // namespace

Status untyped_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<UntypedInvocation> decoded = decode_untyped(k, caller, slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_untyped(k, decoded.value());
}

}  // namespace septum::kernel
