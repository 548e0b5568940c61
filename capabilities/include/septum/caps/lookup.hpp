// Capability address lookup, the way seL4's resolveAddressBits does it.
//
// An address is `depth` bits of `cptr`, most significant first. Each CNode on
// the path consumes its guard (which must match) and then radix bits to pick a
// slot. If bits remain and the slot holds a CNode capability, resolution
// continues there. Every failure has its own status:
//   out_of_range    depth is 0 or above 64, or cptr has bits set above depth
//   wrong_kind      the root capability is not a CNode
//   depth_mismatch  fewer bits remain than a level needs, or bits remain
//                   after reaching a capability that is not a CNode
//   guard_mismatch  the next guard_bits of the address differ from the guard
//   empty_slot      an empty slot was reached with bits left to resolve, or
//                   (lookup_capability) at the end
#pragma once

#include <cstdint>

#include "septum/caps/machine.hpp"
#include "septum/caps/slot.hpp"
#include "septum/caps/status.hpp"

namespace septum::caps {

// An unchecked capability address, straight from user space.
struct Address {
    std::uint64_t raw_cptr = 0;
    std::uint64_t raw_depth = 0;
};

// The slot the address names, which may be empty. `root` holds the CSpace
// root capability (a CNode).
Result<Slot*> lookup_slot(Machine& machine, const Slot& root, Address address);

// As lookup_slot, but the slot must hold a capability.
Result<Slot*> lookup_capability(Machine& machine, const Slot& root, Address address);

}  // namespace septum::caps
