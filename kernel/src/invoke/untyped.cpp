// Untyped invocations: retype memory into new objects.
#include "invocation.hpp"

namespace septum::kernel {

namespace {

// What retype makes and where its capabilities go. The kind, size, offset
// and count are checked by the capability library's retype, before it
// changes anything (caps/authority.hpp), in the order its statuses pin.
struct UntypedInvocation {
    caps::Slot* untyped = nullptr;
    std::uint64_t raw_kind = 0;
    std::uint64_t raw_size_arg = 0;
    caps::Slot* destination_cnode = nullptr;  // holds a capability, of a kind retype checks
    std::uint64_t raw_offset = 0;
    std::uint64_t raw_count = 0;
};

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
    return UntypedInvocation{&slot, a.raw(0), a.raw(1), cnode.value(), a.raw(3), a.raw(4)};
}

// Passes on the status of retype's own check phase; see UntypedInvocation.
Status invoke_untyped(Kernel& k, const UntypedInvocation& i) {
    return k.authority.retype(*i.untyped, i.raw_kind, i.raw_size_arg, *i.destination_cnode, i.raw_offset, i.raw_count);
}

}  // namespace

Status untyped_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<UntypedInvocation> decoded = decode_untyped(k, caller, slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_untyped(k, decoded.value());
}

}  // namespace septum::kernel
