#include "harness.hpp"

namespace septum::caps::proofs {

namespace {

bool is_error(Status status) { return status != Status::ok && status != Status::preempted; }

std::string diff(const AbstractState& real, const AbstractState& model) {
    return "real:\n" + describe(real) + "model:\n" + describe(model);
}

}  // namespace

StepOutcome run_step(System& system, Model* model, const Op& op, const StepChecks& checks) {
    StepOutcome outcome;
    const bool want_before = checks.check_errors_change_nothing;
    const std::string before = want_before ? state_key(system) : std::string{};

    RevokeRecord revoke;
    outcome.status = apply_real(system, op, &revoke);

    if (want_before && is_error(outcome.status) && state_key(system) != before) {
        outcome.violations.push_back(
            {Property::errors_change_nothing,
             describe(op) + " failed with " + describe(outcome.status) + " but changed the state"});
    }
    Violations invariants = check_invariants(system, checks.property_mask, checks.probes);
    outcome.violations.insert(outcome.violations.end(), invariants.begin(), invariants.end());

    if (revoke.completed && (checks.property_mask & mask_of(Property::p2_revoke_completeness)) != 0) {
        check_revoke_postcondition(abstract(system), revoke.target, revoke.revoked, outcome.violations);
    }
    if (model != nullptr && model_predicts(op.code)) {
        const Status expected = model->apply(op);
        if (expected != outcome.status) {
            outcome.violations.push_back(
                {Property::model_agreement,
                 describe(op) + " returned " + describe(outcome.status) + ", model says " + describe(expected)});
        } else if (const AbstractState real = abstract(system); !(real == model->state())) {
            outcome.violations.push_back(
                {Property::model_agreement, describe(op) + ": states differ\n" + diff(real, model->state())});
        }
    }
    return outcome;
}

Violations run_sequence(const Config& config, const std::vector<Op>& ops, const StepChecks& checks, bool use_model,
                        std::string* trace) {
    System system{config};
    Model model{abstract(system)};
    Violations initial = check_invariants(system, checks.property_mask, checks.probes);
    if (!initial.empty()) {
        return initial;
    }
    for (const Op& op : ops) {
        StepOutcome outcome = run_step(system, use_model ? &model : nullptr, op, checks);
        if (trace != nullptr) {
            *trace += describe(op) + " -> " + describe(outcome.status) + "\n";
        }
        if (!outcome.violations.empty()) {
            return outcome.violations;
        }
    }
    return {};
}

}  // namespace septum::caps::proofs
