// Address-level operations: resolve every address first (all lookups are
// argument checks), then run the slot-level operation, which checks the rest.
#include "septum/caps/authority.hpp"

namespace septum::caps {

namespace {

struct SlotPair {
    Slot* src = nullptr;
    Slot* dest = nullptr;
};

Result<SlotPair> resolve_pair(Machine& machine, const Slot& root, Address src, Address dest) {
    const Result<Slot*> src_slot = lookup_capability(machine, root, src);
    SEPTUM_TRY(src_slot);
    const Result<Slot*> dest_slot = lookup_slot(machine, root, dest);
    SEPTUM_TRY(dest_slot);
    return SlotPair{src_slot.value(), dest_slot.value()};
}

}  // namespace

Status Authority::copy(const Slot& root, Address src, Address dest) {
    Result<SlotPair> slots = resolve_pair(machine_, root, src, dest);
    SEPTUM_TRY(slots);
    return copy(*slots.value().src, *slots.value().dest);
}

Status Authority::mint(const Slot& root, Address src, Address dest, std::uint64_t raw_rights, std::uint64_t raw_data) {
    Result<SlotPair> slots = resolve_pair(machine_, root, src, dest);
    SEPTUM_TRY(slots);
    return mint(*slots.value().src, *slots.value().dest, raw_rights, raw_data);
}

Status Authority::move(const Slot& root, Address src, Address dest) {
    Result<SlotPair> slots = resolve_pair(machine_, root, src, dest);
    SEPTUM_TRY(slots);
    return move(*slots.value().src, *slots.value().dest);
}

Status Authority::mutate(const Slot& root, Address src, Address dest, std::uint64_t raw_rights,
                         std::uint64_t raw_data) {
    Result<SlotPair> slots = resolve_pair(machine_, root, src, dest);
    SEPTUM_TRY(slots);
    return mutate(*slots.value().src, *slots.value().dest, raw_rights, raw_data);
}

Status Authority::remove(const Slot& root, Address slot) {
    const Result<Slot*> target = lookup_capability(machine_, root, slot);
    SEPTUM_TRY(target);
    return remove(*target.value());
}

Status Authority::revoke(const Slot& root, Address slot, Budget& budget) {
    const Result<Slot*> target = lookup_capability(machine_, root, slot);
    SEPTUM_TRY(target);
    return revoke(*target.value(), budget);
}

Status Authority::retype(const Slot& root, Address untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg,
                         Address dest_cnode, std::uint64_t raw_offset, std::uint64_t raw_count) {
    const Result<Slot*> untyped_slot = lookup_capability(machine_, root, untyped);
    SEPTUM_TRY(untyped_slot);
    const Result<Slot*> cnode_slot = lookup_capability(machine_, root, dest_cnode);
    SEPTUM_TRY(cnode_slot);
    return retype(*untyped_slot.value(), raw_kind, raw_size_arg, *cnode_slot.value(), raw_offset, raw_count);
}

}  // namespace septum::caps
