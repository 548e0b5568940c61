// Executable invariants P1-P5 over the whole capability state (the
// sentences are in docs/properties.md). Each returns the violations found;
// an empty list means the property holds in this state.
#pragma once

#include <string>
#include <vector>

#include "abstract.hpp"
#include "system.hpp"

namespace septum::caps::proofs {

enum class Property : std::uint8_t {
    p1_authority_confinement = 1,
    p2_revoke_completeness = 2,
    p3_memory_disjointness = 3,
    p4_lookup_soundness = 4,
    p5_type_safety = 5,
    errors_change_nothing = 6,  // bad input: an error leaves the state as it was
    model_agreement = 7,        // the real system and the abstract model agree
};

struct Violation {
    Property property;
    std::string message;
};

using Violations = std::vector<Violation>;

std::string describe(Property property);
std::string describe(const Violations& violations);

// Addresses P4 resolves in every state: every cptr of depth 1..max_depth,
// plus a few with the top bit set and illegal depths.
std::vector<Address> lookup_probes(unsigned max_depth);

void check_p1(const System& system, const AbstractState& state, Violations& out);
void check_p2(const System& system, const AbstractState& state, Violations& out);
void check_p3(const System& system, const AbstractState& state, Violations& out);
void check_p4(const System& system, const AbstractState& state, const std::vector<Address>& probes, Violations& out);
void check_p5(const System& system, const AbstractState& state, Violations& out);

// P2's operational half: after revoke of `target` completed, nothing the
// target's capability derived survives.
void check_revoke_postcondition(const AbstractState& after, SlotKey target, const Capability& revoked, Violations& out);

// The selected properties (bit n-1 set selects Pn).
Violations check_invariants(const System& system, unsigned property_mask, const std::vector<Address>& probes);

constexpr unsigned all_properties = 0x1F;
constexpr unsigned mask_of(Property property) { return 1U << (static_cast<unsigned>(property) - 1); }

}  // namespace septum::caps::proofs
