#include "septum/caps/lookup.hpp"

namespace septum::caps {

namespace {

constexpr std::uint64_t max_depth = 64;

// The `count` bits of `cptr` just below bit `remaining` (count <= remaining).
std::uint64_t take_bits(std::uint64_t cptr, std::uint64_t remaining, std::uint64_t count) {
    if (count == 0) {
        return 0;
    }
    const std::uint64_t shift = remaining - count;
    const std::uint64_t mask = count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
    return (cptr >> shift) & mask;
}

Status check_address(Address address) {
    if (address.raw_depth == 0 || address.raw_depth > max_depth) {
        return Status::out_of_range;
    }
    if (address.raw_depth < max_depth && (address.raw_cptr >> address.raw_depth) != 0) {
        return Status::out_of_range;
    }
    return Status::ok;
}

}  // namespace

Result<Slot*> lookup_slot(Machine& machine, const Slot& root, Address address) {
    SEPTUM_TRY(check_address(address));
    const std::uint64_t cptr = address.raw_cptr;
    std::uint64_t remaining = address.raw_depth;  // checked: 1..64
    const Capability* node = &root.cap;
    if (node->kind != ObjectKind::cnode) {
        return Status::wrong_kind;
    }
    // Each level consumes at least min_cnode_radix bits, so this loop runs at
    // most 64 times whatever the CSpace looks like (even a CNode in itself).
    for (;;) {
        const std::uint64_t level_bits = std::uint64_t{node->guard_bits} + node->radix();
        if (level_bits > remaining) {
            return Status::depth_mismatch;
        }
        if (take_bits(cptr, remaining, node->guard_bits) != node->guard) {
            return Status::guard_mismatch;
        }
        remaining -= node->guard_bits;
        const std::uint64_t index = take_bits(cptr, remaining, node->radix());
        remaining -= node->radix();
        Slot* slot = machine.cnode_slots(node->object) + index;
        if (remaining == 0) {
            return slot;
        }
        if (slot->empty()) {
            return Status::empty_slot;
        }
        if (slot->cap.kind != ObjectKind::cnode) {
            return Status::depth_mismatch;
        }
        node = &slot->cap;
    }
}

Result<Slot*> lookup_capability(Machine& machine, const Slot& root, Address address) {
    Result<Slot*> slot = lookup_slot(machine, root, address);
    if (slot.ok() && slot.value()->empty()) {
        return Status::empty_slot;
    }
    return slot;
}

}  // namespace septum::caps
