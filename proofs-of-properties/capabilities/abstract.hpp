// The abstract view of a capability system: who holds what (a map from slot
// to capability and derivation parent) and which objects are alive. The
// model, the invariant checkers and the exhaustive checker all speak it.
#pragma once

#include <map>
#include <set>
#include <string>

#include "system.hpp"

namespace septum::caps::proofs {

// The derivation parent of an initial capability.
constexpr SlotKey boot_node_key{~PhysAddr{0} - 1, 0};
// The parent recorded for a capability the derivation tree does not reach.
constexpr SlotKey orphan_key{~PhysAddr{0} - 2, 0};

struct AbstractCap {
    Capability cap;
    SlotKey parent;

    bool operator==(const AbstractCap& other) const;
};

struct AbstractState {
    std::map<SlotKey, AbstractCap> held;
    std::set<testing::ObjectRecord> live;

    bool operator==(const AbstractState& other) const = default;
    // Capabilities whose parent is `key`.
    std::vector<SlotKey> children_of(SlotKey key) const;
    // Every capability below `key` in the derivation tree.
    std::set<SlotKey> descendants_of(SlotKey key) const;
};

bool same_fields(const Capability& a, const Capability& b);

// Reads the real system. Capabilities the tree does not reach get
// orphan_key as their parent, so comparisons and checkers see them.
AbstractState abstract(const System& system);

struct LookupOutcome {
    Status status = Status::ok;
    SlotKey slot{};

    bool operator==(const LookupOutcome&) const = default;
};

// A second, independent reading of seL4's address resolution: the address
// as a string of bits, consumed level by level over the abstract state.
LookupOutcome reference_lookup(const AbstractState& state, Address address);

// The real lookup's outcome in the same terms.
LookupOutcome real_lookup(const System& system, Address address);

// Everything that decides the system's future behaviour, as a string: the
// tree in order, every capability, the reaper's queue and progress, the
// live objects. Two systems with the same key behave the same.
std::string state_key(const System& system);

std::string describe(const Capability& cap);
std::string describe(SlotKey key);
std::string describe(Status status);
std::string describe(const AbstractState& state);

}  // namespace septum::caps::proofs
