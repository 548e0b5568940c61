// One checked step: run an operation on the real system, then hold the
// result to the invariants, to "errors change nothing", to P2's revoke
// postcondition, and (when a model is given) to the model.
#pragma once

#include <vector>

#include "invariants.hpp"
#include "model.hpp"
#include "ops.hpp"

namespace septum::caps::proofs {

struct StepChecks {
    unsigned property_mask = all_properties;
    std::vector<Address> probes;
    bool check_errors_change_nothing = true;
};

struct StepOutcome {
    Status status = Status::ok;
    Violations violations;
};

StepOutcome run_step(System& system, Model* model, const Op& op, const StepChecks& checks);

// Runs a whole sequence from a fresh system; stops at the first violation.
// `trace` (if given) receives one line per step.
Violations run_sequence(const Config& config, const std::vector<Op>& ops, const StepChecks& checks, bool use_model,
                        std::string* trace = nullptr);

}  // namespace septum::caps::proofs
