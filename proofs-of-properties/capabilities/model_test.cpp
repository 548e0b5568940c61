// RapidCheck stateful tests: random operation sequences run on the real
// library and on the abstract model; after every step the states must agree
// and the property under test must hold. RC_PARAMS (set in meson.build)
// asks for 10,000 sequences per property.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "gen.hpp"
#include "harness.hpp"

namespace septum::caps::proofs {
namespace {

// Weights per OpCode: copy mint move mutate remove revoke retype lookup
// remove_only revoke_step reap_step.
constexpr int max_steps = 40;

const OpWeights balanced = {4, 4, 3, 2, 3, 3, 6, 2, 0, 0, 0};
const OpWeights derive_heavy = {6, 8, 2, 3, 2, 2, 4, 1, 0, 0, 0};
const OpWeights revoke_heavy = {6, 4, 2, 1, 2, 6, 6, 1, 0, 0, 0};
const OpWeights memory_heavy = {2, 1, 2, 1, 3, 4, 10, 1, 0, 0, 0};
const OpWeights lookup_heavy = {3, 4, 3, 2, 2, 2, 6, 6, 0, 0, 0};
// Steps the model cannot follow: invariants only, revoke interleaved.
const OpWeights interleaved = {4, 3, 3, 2, 2, 1, 6, 1, 3, 6, 3};

// Runs up to max_steps operations chosen against the current state, checking
// after each one; the sequence shrinks like any RapidCheck value.
void run_checked(const Config& config, const OpWeights& weights, const StepChecks& checks, bool use_model) {
    System system{config};
    Model model{abstract(system)};
    const int steps = *rc::gen::inRange(1, max_steps + 1);
    for (int i = 0; i < steps; ++i) {
        const Op op = pick_op(system, weights);
        const StepOutcome outcome = run_step(system, use_model ? &model : nullptr, op, checks);
        RC_LOG() << describe(op) << " -> " << describe(outcome.status) << "\n";
        if (!outcome.violations.empty()) {
            RC_FAIL(describe(outcome.violations));
        }
    }
}

void check_sequences(const Config& config, const OpWeights& weights, Property property, bool use_model) {
    StepChecks checks;
    checks.property_mask = mask_of(property);
    checks.probes =
        property == Property::p4_lookup_soundness ? lookup_probes(config.root_radix + 3) : std::vector<Address>{};
    run_checked(config, weights, checks, use_model);
}

Config small() { return Config{3, 13, false}; }
Config devices() { return Config{3, 14, true}; }

RC_GTEST_PROP(CapsModel, P1AuthorityConfinement, ()) {
    check_sequences(*rc::gen::element(small(), devices()), derive_heavy, Property::p1_authority_confinement, true);
}

RC_GTEST_PROP(CapsModel, P2RevokeCompleteness, ()) {
    check_sequences(*rc::gen::element(small(), devices()), revoke_heavy, Property::p2_revoke_completeness, true);
}

RC_GTEST_PROP(CapsModel, P3MemoryDisjointness, ()) {
    check_sequences(*rc::gen::element(small(), devices()), memory_heavy, Property::p3_memory_disjointness, true);
}

RC_GTEST_PROP(CapsModel, P4LookupSoundness, ()) {
    check_sequences(*rc::gen::element(small(), devices()), lookup_heavy, Property::p4_lookup_soundness, true);
}

RC_GTEST_PROP(CapsModel, P5TypeSafety, ()) {
    check_sequences(*rc::gen::element(small(), devices()), balanced, Property::p5_type_safety, true);
}

// Revoke and the reaper stopped half way with other operations in between:
// the model cannot follow, every invariant must still hold at every step.
RC_GTEST_PROP(CapsInterleaved, AllPropertiesWithPreemption, ()) {
    const Config config = *rc::gen::element(small(), devices());
    StepChecks checks;
    checks.probes = lookup_probes(config.root_radix + 2);
    run_checked(config, interleaved, checks, false);
}

}  // namespace
}  // namespace septum::caps::proofs
