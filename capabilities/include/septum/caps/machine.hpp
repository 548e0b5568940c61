// What the capability library needs from the world it runs in.
//
// The kernel implements this over its physical-memory window; host tests and
// fuzzers implement it over an array. The library never touches an object's
// contents except CNode slots, whose layout it owns.
#pragma once

#include <cstdint>

#include "septum/caps/object_kind.hpp"

namespace septum::caps {

struct Slot;
struct Capability;

class Machine {
public:
    // Where the 2^radix slots of the CNode at `object` live. Called for
    // CNodes that exist (or are being made) only.
    virtual Slot* cnode_slots(PhysAddr object) = 0;

    // A new object of `kind` now occupies [object, object + 2^size_bits)
    // (for IOPortRange/IRQHandler: names that port range or line). The kernel
    // initialises the contents; for a CNode the library places the slots
    // after this call.
    virtual void object_created(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) = 0;

    // The last capability to the object is gone (for a CNode: and its slots
    // are empty). The kernel tears the object down; the memory stays with
    // the Untyped it came from.
    virtual void object_destroyed(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) = 0;

    // A capability was deleted (by delete, revoke or the reaper), final or
    // not; called before object_destroyed when it was the last. The kernel
    // undoes what the capability did on its own, such as a mapping.
    virtual void capability_deleted(const Capability& cap) = 0;

protected:
    Machine() = default;
    ~Machine() = default;  // not deleted through this interface
    Machine(const Machine&) = default;
    Machine& operator=(const Machine&) = default;
};

}  // namespace septum::caps
