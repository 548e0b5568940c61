// CNode invocations: copy, mint, move, mutate, delete and revoke
// capabilities, at addresses resolved from the invoked CNode.
#include "invocation.hpp"

namespace septum::kernel {

namespace {

using Op = abi::Invocation;

struct CnodeInvocation {
    Op op = Op::cnode_copy;
    caps::Slot* target = nullptr;  // delete, revoke: holds a capability
    // copy, mint, move, mutate: checked by the capability library's check_X.
    caps::Derivation derivation{};
};

caps::Address address(const Arguments& a, unsigned first) { return caps::Address{a.raw(first), a.raw(first + 1)}; }

// Words needed: two per address, then rights and data for mint and mutate.
unsigned length_of(Op op) {
    switch (op) {
        case Op::cnode_copy:
        case Op::cnode_move:
            return 4;
        case Op::cnode_mint:
        case Op::cnode_mutate:
            return 6;
        default:
            return 2;
    }
}

bool is_cnode_op(Op op) {
    switch (op) {
        case Op::cnode_copy:
        case Op::cnode_mint:
        case Op::cnode_move:
        case Op::cnode_mutate:
        case Op::cnode_delete:
        case Op::cnode_revoke:
            return true;
        default:
            return false;
    }
}

// The library's checks of copy, mint, move and mutate: an occupied
// destination, a kind that cannot be derived, rights or data out of their
// domain (raw words 4 and 5), children under a mutated capability.
Result<caps::Derivation> check_derivation(const caps::Authority& auth, Op op, caps::Slot& source,
                                          caps::Slot& destination, const Arguments& a) {
    switch (op) {
        case Op::cnode_copy:
            return auth.check_copy(source, destination);
        case Op::cnode_mint:
            return auth.check_mint(source, destination, a.raw(4), a.raw(5));
        case Op::cnode_move:
            return auth.check_move(source, destination);
        default:
            return auth.check_mutate(source, destination, a.raw(4), a.raw(5));
    }
}

Result<CnodeInvocation> decode_cnode(Kernel& k, Tcb& caller, const caps::Slot& root, Op op, const Arguments& a) {
    if (!is_cnode_op(op) || !a.has(length_of(op))) {
        return Status::invalid_argument;
    }
    if (op == Op::cnode_delete) {
        // Deleting the last capability to a CNode only queues it for the
        // reaper. Earlier pending work is finished first, restartably (the
        // delete has not happened yet): the reaper may destroy what the
        // address resolves through.
        SEPTUM_TRY(reap_pending(k, caller));
    }
    const Result<caps::Slot*> source = caps::lookup_capability(k, root, address(a, 0));
    SEPTUM_TRY(source);
    if (length_of(op) == 2) {
        return CnodeInvocation{op, source.value(), {}};
    }
    const Result<caps::Slot*> destination = caps::lookup_slot(k, root, address(a, 2));
    SEPTUM_TRY(destination);
    const Result<caps::Derivation> derivation =
        check_derivation(k.authority, op, *source.value(), *destination.value(), a);
    SEPTUM_TRY(derivation);
    return CnodeInvocation{op, nullptr, derivation.value()};
}

Status invoke_cnode(Kernel& k, Tcb& caller, const CnodeInvocation& i) {
    caps::Authority& auth = k.authority;
    switch (i.op) {
        case Op::cnode_copy:
        case Op::cnode_mint:
        case Op::cnode_move:
        case Op::cnode_mutate:
            auth.apply_derivation(i.derivation);
            return Status::ok;
        case Op::cnode_delete: {
            // Cannot fail: the slot holds a capability. Without the reaper
            // step nothing but a later revoke would destroy what a deleted
            // CNode holds; any rest waits for the next delete or retype.
            (void)auth.remove(*i.target);
            caps::Budget budget{operation_budget};
            (void)auth.reap(budget);
            return Status::ok;
        }
        default: {
            // Revoke: ok, or preempted after one bounded step (the slot
            // holds a capability, so that is all revoke can return).
            caps::Budget budget{operation_budget};
            const Status s = auth.revoke(*i.target, budget);
            if (s == Status::preempted) {
                // Run the same syscall again when the thread next runs.
                caller.context.rip -= syscall_instruction_length;
            }
            return s;
        }
    }
}

}  // namespace

Status cnode_invocation(Kernel& k, Tcb& caller, caps::Slot& root, abi::Invocation op, const Arguments& a) {
    const Result<CnodeInvocation> decoded = decode_cnode(k, caller, root, op, a);
    SEPTUM_TRY(decoded);
    return invoke_cnode(k, caller, decoded.value());
}

}  // namespace septum::kernel
