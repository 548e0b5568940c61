// The abstract model: a plain who-holds-what map (AbstractState) and the
// effect of each operation on it, written from the specification in
// docs/capabilities.md without reusing the library's code (only its table of
// kind sizes and rights, which is specification, not mechanism).
#pragma once

#include "abstract.hpp"
#include "ops.hpp"

namespace septum::caps::proofs {

class Model {
public:
    explicit Model(AbstractState initial) : state_{std::move(initial)} {}

    // The status the operation must return; the state changes only on ok.
    // Only for operations where model_predicts() is true.
    Status apply(const Op& op);

    const AbstractState& state() const { return state_; }

private:
    Status copy(const Op& op);
    Status mint_or_mutate(const Op& op, bool is_mutate);
    Status move(const Op& op);
    Status remove(const Op& op);
    Status revoke(const Op& op);
    Status retype(const Op& op);

    // Resolves an address that must name a capability.
    LookupOutcome find_capability(Address address) const;
    void delete_at(SlotKey key);
    void destroy(const Capability& cap);
    bool reached(const Capability& cap) const;

    AbstractState state_;
};

}  // namespace septum::caps::proofs
