// Runs action sequences on the real kernel and the specification side by
// side, checking refinement and every theorem after every step, and
// confidentiality by a second run with another secret.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "model.hpp"

namespace septum::kernel::proofs {

enum class Theorem : unsigned { refinement, integrity, confidentiality, confinement, cpu_isolation, count };
inline constexpr unsigned theorem_count = static_cast<unsigned>(Theorem::count);
const char* theorem_name(Theorem t);

struct Figures {
    std::uint64_t traces = 0;
    std::unordered_set<std::uint64_t> states;
    std::uint64_t depth = 0;
};

struct Violation {
    Theorem theorem;
    std::string what;
    std::vector<Action> trace;  // up to and including the step that broke it
};

struct TraceResult {
    std::vector<Violation> violations;  // at the first step where any theorem failed
    std::uint64_t final_key = 0;        // the state reached (for the exhaustive checker)
};

// The two secrets confidentiality compares.
inline constexpr std::uint64_t secret_a = 0x1234, secret_b = 0xbeef77;

class Checker {
public:
    // Runs one sequence; updates the figures of every theorem.
    TraceResult run(const Description& d, const std::vector<Action>& actions);
    std::array<Figures, theorem_count> figures;
    std::string harness_error;  // the specification met something it does not model

private:
    std::vector<std::vector<std::string>> observe_run(const Description& d, const std::vector<Action>& actions,
                                                      std::uint64_t secret, std::uint64_t& key);
};

}  // namespace septum::kernel::proofs
