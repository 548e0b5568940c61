#include "septum/user/alloc.hpp"

#include "septum/user/invoke.hpp"

namespace septum::user {

void Allocator::init(CPtr cnode, CPtr untyped, std::uint64_t first_slot, std::uint64_t slot_count) {
    cnode_ = cnode;
    untyped_ = untyped;
    next_ = first_slot;
    end_ = first_slot + slot_count;
    used_ = 0;
}

Result<CPtr> Allocator::slot() {
    if (next_ >= end_) {
        return Status::out_of_range;
    }
    return next_++;
}

Result<CPtr> Allocator::make(caps::ObjectKind kind, std::uint64_t size_arg) {
    const Result<CPtr> s = slot();
    SEPTUM_TRY(s);
    const Reply r = invoke(untyped_, abi::Invocation::untyped_retype, {raw_kind(kind), size_arg, cnode_, s.value(), 1});
    if (r.status != Status::ok) {
        --next_;  // the slot stayed empty: hand it out again
        return r.status;
    }
    const std::uint64_t size = std::uint64_t{1} << caps::retype_size_bits(kind, size_arg);
    used_ = ((used_ + size - 1) & ~(size - 1)) + size;
    return s.value();
}

Status Allocator::release_to(std::uint64_t mark) {
    const Reply r = invoke(cnode_, abi::Invocation::cnode_revoke, {untyped_, 64});
    // Capabilities to objects that are not the Untyped's (copies of older
    // capabilities) are not its descendants: delete them one by one.
    for (std::uint64_t s = mark; s < next_; ++s) {
        (void)invoke(cnode_, abi::Invocation::cnode_delete, {s, 64});
    }
    next_ = mark;
    if (r.status == Status::ok) {
        used_ = 0;  // the revoke reset the Untyped
    }
    return r.status;
}

}  // namespace septum::user
