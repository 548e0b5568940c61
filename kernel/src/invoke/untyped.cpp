#include "invocation.hpp"

namespace septum::kernel {

Status invoke_untyped(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& args) {
    if (op != abi::Invocation::untyped_retype) {
        return Status::invalid_argument;
    }
    if (!args.has(5)) {
        return Status::invalid_argument;
    }
    // The watermark resets only when nothing made from the Untyped lives:
    // objects still held in a deleted CNode must be gone first.
    SEPTUM_TRY(reap_pending(k, caller));
    Status error = Status::ok;
    caps::Slot* cnode = lookup(k, caller, args[2], error);
    if (cnode == nullptr) {
        return error;
    }
    return k.authority.retype(slot, args[0], args[1], *cnode, args[3], args[4]);
}

}  // namespace septum::kernel
