#include "ops.hpp"

#include <sstream>

#include "abstract.hpp"

namespace septum::caps::proofs {

namespace {

// More resumptions than any tiny system can need: a revoke still running
// after this many calls does not terminate, which P2 then reports.
constexpr int max_resumptions = 1 << 16;

Budget budget_of(const Op& op) { return Budget{op.budget == 0 ? 1 : op.budget}; }

void finish_reaping(Authority& authority) {
    for (int i = 0; i < max_resumptions; ++i) {
        Budget budget{64};
        if (authority.reap(budget) == Status::ok) {
            return;
        }
    }
}

Status revoke_to_completion(System& system, const Op& op, RevokeRecord* record) {
    Authority& authority = system.authority();
    const Result<Slot*> target = lookup_capability(system.machine(), system.cspace_root(), op.a);
    if (!target.ok()) {
        return target.status();
    }
    Slot& slot = *target.value();
    const SlotKey key = system.key_of(&slot);
    const Capability revoked = slot.cap;
    Status status = Status::preempted;
    for (int i = 0; i < max_resumptions && status == Status::preempted; ++i) {
        if (slot.empty()) {
            // The reaper emptied the target's own CNode: only reaping is left.
            finish_reaping(authority);
            status = Status::ok;
            break;
        }
        Budget budget = budget_of(op);
        status = authority.revoke(slot, budget);
    }
    if (record != nullptr && status == Status::ok) {
        *record = RevokeRecord{true, key, revoked};
    }
    return status;
}

}  // namespace

bool model_predicts(OpCode code) {
    return code != OpCode::remove_only && code != OpCode::revoke_step && code != OpCode::reap_step;
}

std::string describe(const Op& op) {
    static const char* const names[] = {"copy",   "mint",   "move",        "mutate",      "remove",   "revoke",
                                        "retype", "lookup", "remove_only", "revoke_step", "reap_step"};
    std::ostringstream out;
    const auto code = static_cast<std::size_t>(op.code);
    out << (code < std::size(names) ? names[code] : "?") << "(a=" << op.a.raw_cptr << "/" << op.a.raw_depth;
    switch (op.code) {
        case OpCode::copy:
        case OpCode::move:
            out << " b=" << op.b.raw_cptr << "/" << op.b.raw_depth;
            break;
        case OpCode::mint:
        case OpCode::mutate:
            out << " b=" << op.b.raw_cptr << "/" << op.b.raw_depth << " rights=" << op.rights << " data=" << op.data;
            break;
        case OpCode::retype:
            out << " kind=" << op.kind << " size=" << op.size_arg << " dest=" << op.b.raw_cptr << "/" << op.b.raw_depth
                << " offset=" << op.offset << " count=" << op.count;
            break;
        case OpCode::revoke:
        case OpCode::revoke_step:
        case OpCode::reap_step:
            out << " budget=" << op.budget;
            break;
        default:
            break;
    }
    out << ")";
    return out.str();
}

Status apply_real(System& system, const Op& op, RevokeRecord* revoke) {
    Authority& authority = system.authority();
    const Slot& root = system.cspace_root();
    switch (op.code) {
        case OpCode::copy:
            return authority.copy(root, op.a, op.b);
        case OpCode::mint:
            return authority.mint(root, op.a, op.b, op.rights, op.data);
        case OpCode::move:
            return authority.move(root, op.a, op.b);
        case OpCode::mutate:
            return authority.mutate(root, op.a, op.b, op.rights, op.data);
        case OpCode::remove: {
            const Status status = authority.remove(root, op.a);
            if (status == Status::ok) {
                finish_reaping(authority);
            }
            return status;
        }
        case OpCode::revoke:
            return revoke_to_completion(system, op, revoke);
        case OpCode::retype:
            return authority.retype(root, op.a, op.kind, op.size_arg, op.b, op.offset, op.count);
        case OpCode::lookup:
            return lookup_slot(system.machine(), root, op.a).status();
        case OpCode::remove_only:
            return authority.remove(root, op.a);
        case OpCode::revoke_step: {
            Budget budget = budget_of(op);
            return authority.revoke(root, op.a, budget);
        }
        case OpCode::reap_step: {
            Budget budget = budget_of(op);
            return authority.reap(budget);
        }
        case OpCode::count_:
            break;
    }
    return Status::invalid_argument;
}

}  // namespace septum::caps::proofs
