#include "invocation.hpp"

namespace septum::kernel {

namespace {

caps::Address address(std::uint64_t raw_cptr, std::uint64_t raw_depth) { return caps::Address{raw_cptr, raw_depth}; }

}  // namespace

Status invoke_cnode(Kernel& k, Tcb& caller, caps::Slot& root, abi::Invocation op, const Arguments& a) {
    caps::Authority& auth = k.authority;
    switch (op) {
        case abi::Invocation::cnode_copy:
            return a.has(4) ? auth.copy(root, address(a[0], a[1]), address(a[2], a[3])) : Status::invalid_argument;
        case abi::Invocation::cnode_mint:
            return a.has(6) ? auth.mint(root, address(a[0], a[1]), address(a[2], a[3]), a[4], a[5])
                            : Status::invalid_argument;
        case abi::Invocation::cnode_move:
            return a.has(4) ? auth.move(root, address(a[0], a[1]), address(a[2], a[3])) : Status::invalid_argument;
        case abi::Invocation::cnode_mutate:
            return a.has(6) ? auth.mutate(root, address(a[0], a[1]), address(a[2], a[3]), a[4], a[5])
                            : Status::invalid_argument;
        case abi::Invocation::cnode_delete: {
            if (!a.has(2)) {
                return Status::invalid_argument;
            }
            // Deleting the last capability to a CNode only queues it for
            // the reaper; without this nothing but a later revoke would
            // destroy what it holds. Earlier pending work is finished first
            // (restartably: the delete has not happened yet), this one's
            // by one more step, and any rest by the next delete or retype.
            SEPTUM_TRY(reap_pending(k, caller));
            SEPTUM_TRY(auth.remove(root, address(a[0], a[1])));
            caps::Budget budget{operation_budget};
            (void)auth.reap(budget);
            return Status::ok;
        }
        case abi::Invocation::cnode_revoke: {
            if (!a.has(2)) {
                return Status::invalid_argument;
            }
            caps::Budget budget{operation_budget};
            const Status s = auth.revoke(root, address(a[0], a[1]), budget);
            if (s == Status::preempted) {
                // Run the same syscall again when the thread next runs.
                caller.context.rip -= syscall_instruction_length;
                return Status::preempted;
            }
            return s;
        }
        default:
            return Status::invalid_argument;
    }
}

}  // namespace septum::kernel
