// Boot-time placement and the operations that derive, move and delete.
#include "septum/caps/authority.hpp"

#include <new>

#include "septum/caps/mdb.hpp"

namespace septum::caps {

namespace {

constexpr std::uint64_t guard_bits_mask = 0x3F;
constexpr std::uint64_t max_phys_end = std::uint64_t{1} << 52;  // MAXPHYADDR ceiling (SDM 4.1.4)

// Source must hold a capability, destination must not.
Status check_source_and_destination(const Slot& src, const Slot& dest) {
    if (src.empty()) {
        return Status::empty_slot;
    }
    if (!dest.empty()) {
        return Status::slot_occupied;
    }
    return Status::ok;
}

Status apply_guard(Capability& cap, std::uint64_t raw_data) {
    const std::uint64_t guard_bits = raw_data & guard_bits_mask;
    const std::uint64_t guard = raw_data >> 6;  // at most 58 bits
    if (guard_bits + cap.radix() > 64) {
        return Status::invalid_argument;
    }
    if (guard_bits < 58 && (guard >> guard_bits) != 0) {
        return Status::invalid_argument;
    }
    cap.guard = guard;
    cap.guard_bits = static_cast<std::uint8_t>(guard_bits);
    return Status::ok;
}

Status apply_data(Capability& cap, std::uint64_t raw_data) {
    if (is_badged_kind(cap.kind)) {
        if (raw_data == 0) {
            return Status::ok;  // keep the source's badge, set or not
        }
        if (cap.badge != 0) {
            return Status::badge_already_set;
        }
        cap.badge = raw_data;
        return Status::ok;
    }
    if (cap.kind == ObjectKind::cnode) {
        return apply_guard(cap, raw_data);
    }
    return raw_data == 0 ? Status::ok : Status::invalid_argument;
}

// An initial capability must describe one well-formed object.
Status check_initial(const Capability& cap) {
    switch (cap.kind) {
        case ObjectKind::null:
            return Status::invalid_argument;
        case ObjectKind::io_port_range:
            return cap.object <= cap.last_port && cap.last_port <= max_io_port ? Status::ok : Status::invalid_argument;
        case ObjectKind::irq_handler:
            return cap.object <= max_irq ? Status::ok : Status::invalid_argument;
        default:
            break;
    }
    const std::uint64_t raw_size_arg =
        cap.kind == ObjectKind::cnode ? cap.size_bits - std::uint64_t{slot_bits} : std::uint64_t{cap.size_bits};
    if (cap.size_bits == 0 || retype_size_bits(cap.kind, raw_size_arg) != cap.size_bits) {
        return Status::invalid_argument;
    }
    if ((cap.object & (cap.size() - 1)) != 0 || cap.object >= max_phys_end || cap.end() > max_phys_end) {
        return Status::invalid_argument;
    }
    return Status::ok;
}

// Copy, mint, move and mutate in one step: the check, then its plan applied.
Status check_then_apply(Authority& authority, const Result<Derivation>& checked) {
    SEPTUM_TRY(checked);
    authority.apply_derivation(checked.value());
    return Status::ok;
}

}  // namespace

Result<Capability> derive(const Capability& src, std::uint64_t raw_rights, std::uint64_t raw_data) {
    if (src.empty()) {
        return Status::empty_slot;
    }
    if (!is_derivable(src.kind)) {
        return Status::not_derivable;
    }
    if (!valid_raw_rights(raw_rights)) {
        return Status::invalid_argument;
    }
    Capability derived = src;
    derived.rights = src.rights & static_cast<Rights>(raw_rights);
    SEPTUM_TRY(apply_data(derived, raw_data));
    return derived;
}

Authority::Authority(Machine& machine) : machine_{machine} {}

Status Authority::create_initial(Slot& dest, const Capability& cap) {
    if (!dest.empty()) {
        return Status::slot_occupied;
    }
    SEPTUM_TRY(check_initial(cap));
    Capability initial = capability_for_new_object(cap.kind, cap.object, cap.size_bits);
    initial.last_port = cap.last_port;
    if (cap.kind == ObjectKind::cnode) {
        SEPTUM_TRY(apply_guard(initial, encode_guard(cap.guard, cap.guard_bits)));
    }
    machine_.object_created(initial.kind, initial.object, initial.size_bits);
    place_cnode_slots(initial);
    install(root_, dest, initial);
    return Status::ok;
}

Result<Derivation> Authority::check_copy(Slot& src, Slot& dest) const {
    SEPTUM_TRY(check_source_and_destination(src, dest));
    if (!is_derivable(src.cap.kind)) {
        return Status::not_derivable;
    }
    return Derivation{&src, &dest, src.cap, false};
}

Result<Derivation> Authority::check_mint(Slot& src, Slot& dest, std::uint64_t raw_rights,
                                         std::uint64_t raw_data) const {
    SEPTUM_TRY(check_source_and_destination(src, dest));
    Result<Capability> derived = derive(src.cap, raw_rights, raw_data);
    SEPTUM_TRY(derived);
    return Derivation{&src, &dest, derived.value(), false};
}

Result<Derivation> Authority::check_move(Slot& src, Slot& dest) const {
    SEPTUM_TRY(check_source_and_destination(src, dest));
    return Derivation{&src, &dest, src.cap, true};
}

Result<Derivation> Authority::check_mutate(Slot& src, Slot& dest, std::uint64_t raw_rights,
                                           std::uint64_t raw_data) const {
    SEPTUM_TRY(check_source_and_destination(src, dest));
    Result<Capability> derived = derive(src.cap, raw_rights, raw_data);
    SEPTUM_TRY(derived);
    if (mdb::has_children(src)) {
        return Status::has_children;
    }
    return Derivation{&src, &dest, derived.value(), true};
}

void Authority::apply_derivation(const Derivation& derivation) {
    if (!derivation.relocate) {
        install(*derivation.src, *derivation.dest, derivation.cap);
        return;
    }
    derivation.dest->cap = derivation.cap;
    mdb::relocate(*derivation.src, *derivation.dest);
    derivation.src->cap = Capability{};
}

Status Authority::copy(Slot& src, Slot& dest) { return check_then_apply(*this, check_copy(src, dest)); }

Status Authority::mint(Slot& src, Slot& dest, std::uint64_t raw_rights, std::uint64_t raw_data) {
    return check_then_apply(*this, check_mint(src, dest, raw_rights, raw_data));
}

Status Authority::move(Slot& src, Slot& dest) { return check_then_apply(*this, check_move(src, dest)); }

Status Authority::mutate(Slot& src, Slot& dest, std::uint64_t raw_rights, std::uint64_t raw_data) {
    return check_then_apply(*this, check_mutate(src, dest, raw_rights, raw_data));
}

Status Authority::remove(Slot& slot) {
    if (slot.empty()) {
        return Status::empty_slot;
    }
    delete_capability(slot);
    return Status::ok;
}

void Authority::install(Slot& parent, Slot& dest, const Capability& cap) {
    dest.cap = cap;
    // A derived capability has mapped nothing yet (see Capability).
    dest.cap.mapped_root = 0;
    dest.cap.mapped_address = 0;
    dest.cap.mapped_generation = 0;
    mdb::append_child(parent, dest);
}

void Authority::place_cnode_slots(const Capability& cap) {
    if (cap.kind != ObjectKind::cnode) {
        return;
    }
    Slot* slots = machine_.cnode_slots(cap.object);
    const std::uint64_t count = std::uint64_t{1} << cap.radix();
    for (std::uint64_t i = 0; i < count; ++i) {
        new (&slots[i]) Slot{};
    }
}

// O(1): the reaper does a CNode's slots later, in bounded steps.
void Authority::delete_capability(Slot& slot) {
    const Capability cap = slot.cap;
    const bool final = mdb::is_final(slot);
    mdb::unlink(slot);
    slot.cap = Capability{};
    machine_.capability_deleted(cap);
    if (final) {
        destroy(cap);
    }
}

void Authority::destroy(const Capability& cap) {
    if (cap.kind != ObjectKind::cnode) {
        machine_.object_destroyed(cap.kind, cap.object, cap.size_bits);
        return;
    }
    // No capability reaches this CNode any more, so nothing can store into it
    // while it waits; its own slot 0 holds the queue record.
    Slot* slots = machine_.cnode_slots(cap.object);
    slots[0].reap = ReapRecord{dying_, cap.object, 0, cap.size_bits};
    dying_ = slots;
}

}  // namespace septum::caps
