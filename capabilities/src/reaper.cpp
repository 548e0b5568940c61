// Revoke and the reaper: the two operations that may run long, so both take
// a budget and return Status::preempted to be called again.
#include "septum/caps/authority.hpp"
#include "septum/caps/mdb.hpp"

namespace septum::caps {

// Deletes leaves of the target's subtree one at a time, deepest first along
// the first-child chain. `cursor` remembers where the last leaf hung, so a
// call does O(1) amortised work per deletion; a resumed call starts again at
// the target, which costs one walk down the chain.
Status Authority::revoke(Slot& slot, Budget& budget) {
    if (slot.empty()) {
        return Status::empty_slot;
    }
    Slot* cursor = &slot;
    while (mdb::has_children(slot)) {
        if (!budget.spend()) {
            return Status::preempted;
        }
        Slot* leaf = cursor;
        while (mdb::has_children(*leaf)) {
            leaf = leaf->mdb.first_child;
        }
        // Every node on the chain is a first child, so its parent is `prev`.
        cursor = leaf->mdb.prev_is_parent ? leaf->mdb.prev : &slot;
        delete_capability(*leaf);
    }
    return reap(budget);
}

Status Authority::reap(Budget& budget) {
    while (dying_ != nullptr) {
        Slot* slots = dying_;
        ReapRecord& record = slots[0].reap;
        const std::uint64_t count = std::uint64_t{1} << (record.size_bits - slot_bits);
        if (record.next_index < count) {
            if (!budget.spend()) {
                return Status::preempted;
            }
            Slot& slot = slots[record.next_index];
            ++record.next_index;
            if (!slot.empty()) {
                // May queue another CNode in front of this one; the loop
                // picks the newest first, so the queue never needs more room.
                delete_capability(slot);
            }
            continue;
        }
        dying_ = record.next_dying;
        machine_.object_destroyed(ObjectKind::cnode, record.object, record.size_bits);
    }
    return Status::ok;
}

}  // namespace septum::caps
