// A capability: which object, of what kind, with which rights, and the
// per-capability data some kinds carry (badge, guard, watermark).
#pragma once

#include <cstdint>

#include "septum/caps/object_kind.hpp"
#include "septum/caps/rights.hpp"

namespace septum::caps {

struct Capability {
    // Identity of the object: with `kind` and `size_bits` it names exactly one
    // object. Memory kinds: physical base address. IOPortRange: first port.
    // IRQHandler: interrupt number.
    PhysAddr object = 0;
    std::uint64_t badge = 0;      // Endpoint, Notification: 0 means unbadged
    std::uint64_t guard = 0;      // CNode: the guard value (guard_bits wide)
    std::uint64_t watermark = 0;  // Untyped: bytes from `object` already handed out
    ObjectKind kind = ObjectKind::null;
    Rights rights = Rights::none;
    std::uint8_t size_bits = 0;   // log2 of the object's size (CNode: radix + slot_bits)
    std::uint8_t guard_bits = 0;  // CNode only
    std::uint16_t last_port = 0;  // IOPortRange only

    // Frames and paging structures: where this capability mapped its object,
    // for the kernel to undo when the capability goes (0: not mapped). The
    // library keeps it on a move and clears it on every derivation: a copy
    // starts unmapped, and a mapping dies with the capability that made it.
    std::uint64_t mapped_root = 0;        // the address space (PML4) mapped into
    std::uint64_t mapped_address = 0;     // the virtual address
    std::uint32_t mapped_generation = 0;  // of that address space, when mapped

    [[nodiscard]] bool empty() const { return kind == ObjectKind::null; }
    [[nodiscard]] std::uint8_t radix() const { return static_cast<std::uint8_t>(size_bits - slot_bits); }
    [[nodiscard]] std::uint64_t size() const { return std::uint64_t{1} << size_bits; }
    [[nodiscard]] PhysAddr end() const { return object + size(); }
};

// Two capabilities name the same object. Kind and size are part of the
// identity: an Untyped and the first object retyped from it share a base.
bool same_object(const Capability& a, const Capability& b);

// The capability to a freshly made object, with every right its kind knows.
Capability capability_for_new_object(ObjectKind kind, PhysAddr object, std::uint8_t size_bits);

// CNode guard argument, seL4's encoding: guard_bits in bits 0..5, the guard
// value above them.
constexpr std::uint64_t encode_guard(std::uint64_t guard, std::uint8_t guard_bits) { return (guard << 6) | guard_bits; }

}  // namespace septum::caps
