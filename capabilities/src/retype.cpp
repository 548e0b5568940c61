// Retype: the only way objects come into being after boot.
#include "septum/caps/authority.hpp"
#include "septum/caps/mdb.hpp"

namespace septum::caps {

namespace {

struct Placement {
    PhysAddr first;     // base of the first new object
    std::uint64_t end;  // watermark after the last one, as an offset
};

// Where `count` objects of 2^size_bits bytes go in the Untyped, or why they
// do not fit. Objects are naturally aligned; the gap before the first one
// stays unused until the Untyped is reset.
Result<Placement> place(const Capability& untyped, std::uint64_t watermark, std::uint8_t size_bits,
                        std::uint64_t count) {
    if (size_bits > untyped.size_bits || count > (untyped.size() >> size_bits)) {
        return Status::not_enough_memory;
    }
    const std::uint64_t align = std::uint64_t{1} << size_bits;
    // Untyped bases are aligned to their size, and size_bits <= its size, so
    // the offset can be aligned instead of the address; no overflow below.
    const std::uint64_t first_offset = (watermark + align - 1) & ~(align - 1);
    const std::uint64_t bytes = count << size_bits;
    if (first_offset > untyped.size() || bytes > untyped.size() - first_offset) {
        return Status::not_enough_memory;
    }
    return Placement{untyped.object + first_offset, first_offset + bytes};
}

Status check_destination(Machine& machine, const Slot& dest_cnode, std::uint64_t raw_offset, std::uint64_t raw_count) {
    if (dest_cnode.empty()) {
        return Status::empty_slot;
    }
    if (dest_cnode.cap.kind != ObjectKind::cnode) {
        return Status::wrong_kind;
    }
    const std::uint64_t slot_count = std::uint64_t{1} << dest_cnode.cap.radix();
    if (raw_count == 0 || raw_offset >= slot_count || raw_count > slot_count - raw_offset) {
        return Status::out_of_range;
    }
    const Slot* slots = machine.cnode_slots(dest_cnode.cap.object);
    for (std::uint64_t i = 0; i < raw_count; ++i) {
        if (!slots[raw_offset + i].empty()) {
            return Status::slot_occupied;
        }
    }
    return Status::ok;
}

}  // namespace

Result<RetypePlan> Authority::check_retype(Slot& untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg,
                                           const Slot& dest_cnode, std::uint64_t raw_offset,
                                           std::uint64_t raw_count) const {
    if (untyped.empty()) {
        return Status::empty_slot;
    }
    if (untyped.cap.kind != ObjectKind::untyped) {
        return Status::wrong_kind;
    }
    const ObjectKind kind = kind_from_raw(raw_kind);
    if (!is_memory_kind(kind)) {
        return Status::invalid_argument;
    }
    const std::uint8_t size_bits = retype_size_bits(kind, raw_size_arg);
    // A child Untyped must be strictly smaller: one of the same size would
    // share the parent's identity (kind, base, size), and is_final could no
    // longer tell them apart.
    if (size_bits == 0 || (kind == ObjectKind::untyped && size_bits >= untyped.cap.size_bits)) {
        return Status::invalid_argument;
    }
    SEPTUM_TRY(check_destination(machine_, dest_cnode, raw_offset, raw_count));

    // Reset to the start only when nothing made from this Untyped can still
    // be alive: no child capability, and no CNode waiting for the reaper.
    const bool reset = !mdb::has_children(untyped) && !destruction_pending();
    const std::uint64_t watermark = reset ? 0 : untyped.cap.watermark;
    const Result<Placement> placement = place(untyped.cap, watermark, size_bits, raw_count);
    SEPTUM_TRY(placement);
    Slot* const dest = machine_.cnode_slots(dest_cnode.cap.object) + raw_offset;
    return RetypePlan{&untyped, dest, kind, size_bits, raw_count, placement.value().first, placement.value().end};
}

void Authority::apply_retype(const RetypePlan& plan) {
    plan.untyped->cap.watermark = plan.watermark;
    for (std::uint64_t i = 0; i < plan.count; ++i) {
        const PhysAddr object = plan.first + (i << plan.size_bits);
        const Capability cap = capability_for_new_object(plan.kind, object, plan.size_bits);
        machine_.object_created(plan.kind, object, plan.size_bits);
        place_cnode_slots(cap);
        install(*plan.untyped, plan.dest[i], cap);
    }
}

Status Authority::retype(Slot& untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg, const Slot& dest_cnode,
                         std::uint64_t raw_offset, std::uint64_t raw_count) {
    const Result<RetypePlan> plan = check_retype(untyped, raw_kind, raw_size_arg, dest_cnode, raw_offset, raw_count);
    SEPTUM_TRY(plan);
    apply_retype(plan.value());
    return Status::ok;
}

}  // namespace septum::caps
