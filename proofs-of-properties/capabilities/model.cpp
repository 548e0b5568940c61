#include "model.hpp"

namespace septum::caps::proofs {

namespace {

bool same(const Capability& a, const Capability& b) {
    return a.kind == b.kind && a.object == b.object && a.size_bits == b.size_bits &&
           (a.kind != ObjectKind::io_port_range || a.last_port == b.last_port);
}

bool derivable(ObjectKind kind) { return kind != ObjectKind::untyped && kind != ObjectKind::reply; }

// Mint's rule, restated: rights are intersected; the data word is a badge
// (set once), a guard (for CNodes) or must be zero.
Status derive_model(const Capability& src, std::uint64_t raw_rights, std::uint64_t raw_data, Capability& out) {
    if (!derivable(src.kind)) {
        return Status::not_derivable;
    }
    if (raw_rights > 0x1F) {
        return Status::invalid_argument;
    }
    out = src;
    out.rights = static_cast<Rights>(static_cast<std::uint8_t>(src.rights) & raw_rights);
    if (src.kind == ObjectKind::endpoint || src.kind == ObjectKind::notification) {
        if (raw_data != 0) {
            if (src.badge != 0) {
                return Status::badge_already_set;
            }
            out.badge = raw_data;
        }
        return Status::ok;
    }
    if (src.kind == ObjectKind::cnode) {
        const std::uint64_t bits = raw_data % 64;
        const std::uint64_t guard = raw_data / 64;
        const std::uint64_t radix = src.size_bits - slot_bits;
        if (bits + radix > 64 || guard >= (std::uint64_t{1} << bits)) {
            return Status::invalid_argument;
        }
        out.guard = guard;
        out.guard_bits = static_cast<std::uint8_t>(bits);
        return Status::ok;
    }
    return raw_data == 0 ? Status::ok : Status::invalid_argument;
}

}  // namespace

Status Model::apply(const Op& op) {
    switch (op.code) {
        case OpCode::copy:
            return copy(op);
        case OpCode::mint:
            return mint_or_mutate(op, false);
        case OpCode::mutate:
            return mint_or_mutate(op, true);
        case OpCode::move:
            return move(op);
        case OpCode::remove:
            return remove(op);
        case OpCode::revoke:
            return revoke(op);
        case OpCode::retype:
            return retype(op);
        case OpCode::lookup:
            return reference_lookup(state_, op.a).status;
        default:
            return Status::invalid_argument;
    }
}

LookupOutcome Model::find_capability(Address address) const {
    LookupOutcome outcome = reference_lookup(state_, address);
    if (outcome.status == Status::ok && state_.held.count(outcome.slot) == 0) {
        outcome.status = Status::empty_slot;
    }
    return outcome;
}

Status Model::copy(const Op& op) {
    const LookupOutcome src = find_capability(op.a);
    if (src.status != Status::ok) {
        return src.status;
    }
    const LookupOutcome dest = reference_lookup(state_, op.b);
    if (dest.status != Status::ok) {
        return dest.status;
    }
    if (state_.held.count(dest.slot) != 0) {
        return Status::slot_occupied;
    }
    const Capability cap = state_.held.at(src.slot).cap;
    if (!derivable(cap.kind)) {
        return Status::not_derivable;
    }
    state_.held[dest.slot] = AbstractCap{cap, src.slot};
    return Status::ok;
}

Status Model::mint_or_mutate(const Op& op, bool is_mutate) {
    const LookupOutcome src = find_capability(op.a);
    if (src.status != Status::ok) {
        return src.status;
    }
    const LookupOutcome dest = reference_lookup(state_, op.b);
    if (dest.status != Status::ok) {
        return dest.status;
    }
    if (state_.held.count(dest.slot) != 0) {
        return Status::slot_occupied;
    }
    Capability derived;
    if (Status status = derive_model(state_.held.at(src.slot).cap, op.rights, op.data, derived); status != Status::ok) {
        return status;
    }
    if (!is_mutate) {
        state_.held[dest.slot] = AbstractCap{derived, src.slot};
        return Status::ok;
    }
    if (!state_.children_of(src.slot).empty()) {
        return Status::has_children;
    }
    const SlotKey parent = state_.held.at(src.slot).parent;
    state_.held.erase(src.slot);
    state_.held[dest.slot] = AbstractCap{derived, parent};
    return Status::ok;
}

Status Model::move(const Op& op) {
    const LookupOutcome src = find_capability(op.a);
    if (src.status != Status::ok) {
        return src.status;
    }
    const LookupOutcome dest = reference_lookup(state_, op.b);
    if (dest.status != Status::ok) {
        return dest.status;
    }
    if (state_.held.count(dest.slot) != 0) {
        return Status::slot_occupied;
    }
    const AbstractCap moved = state_.held.at(src.slot);
    state_.held.erase(src.slot);
    state_.held[dest.slot] = moved;
    for (auto& [key, held] : state_.held) {
        if (held.parent == src.slot) {
            held.parent = dest.slot;
        }
    }
    return Status::ok;
}

bool Model::reached(const Capability& cap) const {
    for (const auto& [key, held] : state_.held) {
        if (same(held.cap, cap)) {
            return true;
        }
    }
    return false;
}

// Deleting a capability hands its children to its parent; deleting the last
// capability to an object destroys it, and a CNode's contents go with it.
void Model::delete_at(SlotKey key) {
    const auto it = state_.held.find(key);
    if (it == state_.held.end()) {
        return;
    }
    const AbstractCap gone = it->second;
    state_.held.erase(it);
    for (auto& [slot, held] : state_.held) {
        if (held.parent == key) {
            held.parent = gone.parent;
        }
    }
    if (!reached(gone.cap)) {
        destroy(gone.cap);
    }
}

void Model::destroy(const Capability& cap) {
    state_.live.erase(testing::ObjectRecord{cap.kind, cap.object, cap.size_bits, 0});
    if (cap.kind != ObjectKind::cnode) {
        return;
    }
    std::vector<SlotKey> inside;
    for (const auto& [slot, held] : state_.held) {
        if (slot.container == cap.object && slot != cspace_root_key) {
            inside.push_back(slot);
        }
    }
    for (SlotKey slot : inside) {
        delete_at(slot);
    }
}

Status Model::remove(const Op& op) {
    const LookupOutcome target = find_capability(op.a);
    if (target.status != Status::ok) {
        return target.status;
    }
    delete_at(target.slot);
    return Status::ok;
}

Status Model::revoke(const Op& op) {
    const LookupOutcome target = find_capability(op.a);
    if (target.status != Status::ok) {
        return target.status;
    }
    for (SlotKey descendant : state_.descendants_of(target.slot)) {
        delete_at(descendant);
    }
    return Status::ok;
}

Status Model::retype(const Op& op) {
    const LookupOutcome untyped = find_capability(op.a);
    if (untyped.status != Status::ok) {
        return untyped.status;
    }
    const LookupOutcome dest = find_capability(op.b);
    if (dest.status != Status::ok) {
        return dest.status;
    }
    const Capability source = state_.held.at(untyped.slot).cap;
    if (source.kind != ObjectKind::untyped) {
        return Status::wrong_kind;
    }
    const ObjectKind kind = op.kind < kind_count ? static_cast<ObjectKind>(op.kind) : ObjectKind::null;
    if (kind == ObjectKind::null || kind == ObjectKind::io_port_range || kind == ObjectKind::irq_handler) {
        return Status::invalid_argument;
    }
    std::uint64_t size_bits = fixed_size_bits(kind);
    if (kind == ObjectKind::untyped) {
        if (op.size_arg < 4 || op.size_arg > 47 || op.size_arg >= source.size_bits) {
            return Status::invalid_argument;
        }
        size_bits = op.size_arg;
    } else if (kind == ObjectKind::cnode) {
        if (op.size_arg < 1 || op.size_arg > 24) {
            return Status::invalid_argument;
        }
        size_bits = op.size_arg + slot_bits;
    }
    const Capability cnode = state_.held.at(dest.slot).cap;
    if (cnode.kind != ObjectKind::cnode) {
        return Status::wrong_kind;
    }
    const std::uint64_t slots = std::uint64_t{1} << (cnode.size_bits - slot_bits);
    if (op.count == 0 || op.offset >= slots || op.count > slots || op.offset + op.count > slots) {
        return Status::out_of_range;
    }
    for (std::uint64_t i = 0; i < op.count; ++i) {
        if (state_.held.count(SlotKey{cnode.object, op.offset + i}) != 0) {
            return Status::slot_occupied;
        }
    }
    // From the start if nothing made from it is left, else from the watermark,
    // rounded up to the object size.
    const std::uint64_t size = std::uint64_t{1} << size_bits;
    std::uint64_t start = state_.children_of(untyped.slot).empty() ? 0 : source.watermark;
    start = (start + size - 1) / size * size;
    if (size_bits > source.size_bits || op.count > (source.size() >> size_bits) ||
        start + op.count * size > source.size()) {
        return Status::not_enough_memory;
    }
    state_.held.at(untyped.slot).cap.watermark = start + op.count * size;
    for (std::uint64_t i = 0; i < op.count; ++i) {
        const PhysAddr object = source.object + start + i * size;
        Capability cap;
        cap.kind = kind;
        cap.object = object;
        cap.size_bits = static_cast<std::uint8_t>(size_bits);
        cap.rights = meaningful_rights(kind);
        state_.held[SlotKey{cnode.object, op.offset + i}] = AbstractCap{cap, untyped.slot};
        state_.live.insert(testing::ObjectRecord{kind, object, static_cast<std::uint8_t>(size_bits), 0});
    }
    return Status::ok;
}

}  // namespace septum::caps::proofs
