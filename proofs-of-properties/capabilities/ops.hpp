// The operation language that property tests, the exhaustive checker and the
// fuzzer share: one Op is one call into the library with raw arguments.
#pragma once

#include <cstdint>
#include <string>

#include "system.hpp"

namespace septum::caps::proofs {

enum class OpCode : std::uint8_t {
    copy,
    mint,
    move,
    mutate,
    remove,  // delete, then let the reaper finish
    revoke,  // revoke with `budget` per call, resumed until done
    retype,
    lookup,       // resolve `a` only
    remove_only,  // delete without reaping: leaves CNodes queued
    revoke_step,  // one revoke call with `budget`: may stop half way
    reap_step,    // one reaper call with `budget`
    count_,
};

struct Op {
    OpCode code = OpCode::lookup;
    Address a{};
    Address b{};
    std::uint64_t rights = 0;
    std::uint64_t data = 0;
    std::uint64_t kind = 0;
    std::uint64_t size_arg = 0;
    std::uint64_t offset = 0;
    std::uint64_t count = 1;
    std::uint64_t budget = 1;
};

// True for operations whose effect the abstract model predicts (the others
// stop half way and leave reaper state the model does not track).
bool model_predicts(OpCode code);

std::string describe(const Op& op);

// What a completed revoke revoked, for P2's postcondition.
struct RevokeRecord {
    bool completed = false;
    SlotKey target{};
    Capability revoked{};
};

// Runs the operation on the real system.
Status apply_real(System& system, const Op& op, RevokeRecord* revoke = nullptr);

}  // namespace septum::caps::proofs
