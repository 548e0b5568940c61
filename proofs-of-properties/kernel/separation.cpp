// kernel-separation: the separation theorems checked against the kernel
// core on the simulated machine (docs/separation.md).
//
//   kernel-separation [--traces N] [--steps S] [--depth D] [--seed X]
//                     [--expect THEOREM|any]
//
// Random traces: N per system configuration, S steps each, from seed X.
// Scenarios: the adversaries of strategies.hpp, each played for 3 S steps
// on its system, whatever the seed. Exhaustive: every sequence of up to D
// actions of a fixed alphabet over the first configuration, not extending
// sequences that reach a state already seen. Prints, per theorem, traces
// run, states explored and depth reached. Exit status 0 when every theorem held; with --expect (a mutant
// run) 0 when the named theorem (or, with "any", some theorem) was broken.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <unordered_set>

#include "checker.hpp"
#include "gen.hpp"
#include "strategies.hpp"

using namespace septum::kernel::proofs;

namespace {

struct Options {
    unsigned traces = 200;
    unsigned steps = 60;
    unsigned depth = 3;
    std::uint64_t seed = 1;
    std::string expect;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (std::strcmp(argv[i], "--traces") == 0) {
            o.traces = static_cast<unsigned>(std::strtoul(value(), nullptr, 0));
        } else if (std::strcmp(argv[i], "--steps") == 0) {
            o.steps = static_cast<unsigned>(std::strtoul(value(), nullptr, 0));
        } else if (std::strcmp(argv[i], "--depth") == 0) {
            o.depth = static_cast<unsigned>(std::strtoul(value(), nullptr, 0));
        } else if (std::strcmp(argv[i], "--seed") == 0) {
            o.seed = std::strtoull(value(), nullptr, 0);
        } else if (std::strcmp(argv[i], "--expect") == 0) {
            o.expect = value();
        } else {
            std::fprintf(stderr, "usage: %s [--traces N] [--steps S] [--depth D] [--seed X] [--expect THEOREM|any]\n",
                         argv[0]);
            std::exit(2);
        }
    }
    return o;
}

std::vector<Description> configurations() { return {linked_system(), isolated_system()}; }

struct Found {
    std::set<Theorem> caught;
    bool any = false;
};

void report(const Violation& v) {
    std::printf("VIOLATION of %s: %s\n  trace (%zu steps):\n", theorem_name(v.theorem), v.what.c_str(), v.trace.size());
    for (const Action& a : v.trace) {
        std::printf("    %s\n", a.describe().c_str());
    }
}

void note(Found& found, const TraceResult& r, bool print) {
    for (const Violation& v : r.violations) {
        if (found.caught.insert(v.theorem).second && print) {
            report(v);
        }
        found.any = true;
    }
}

void print_figures(const char* what, const Checker& c) {
    for (unsigned t = 0; t < theorem_count; ++t) {
        const Figures& f = c.figures[t];
        std::printf("%-10s %-16s traces %8llu  states %8zu  depth %4llu\n", what, theorem_name(static_cast<Theorem>(t)),
                    static_cast<unsigned long long>(f.traces), f.states.size(),
                    static_cast<unsigned long long>(f.depth));
    }
}

bool harness_failed(const Checker& c) {
    if (c.harness_error.empty()) {
        return false;
    }
    std::fprintf(stderr, "harness error: %s\n", c.harness_error.c_str());
    return true;
}

// Breadth first: each level extends the sequences whose end states are new.
void exhaustive(Checker& c, const Description& d, unsigned depth, Found& found, bool print) {
    const std::vector<Action> alphabet = small_alphabet();
    std::vector<std::vector<Action>> frontier = {{}};
    std::unordered_set<std::uint64_t> seen;
    for (unsigned level = 1; level <= depth && !frontier.empty(); ++level) {
        std::vector<std::vector<Action>> next;
        for (const auto& prefix : frontier) {
            for (const Action& a : alphabet) {
                std::vector<Action> path = prefix;
                path.push_back(a);
                const TraceResult r = c.run(d, path);
                if (harness_failed(c)) {
                    std::exit(2);
                }
                note(found, r, print);
                // Past a disagreement with the specification the theorems
                // still speak of the kernel: go on from there too.
                bool theorem_broken = false;
                for (const Violation& v : r.violations) {
                    theorem_broken = theorem_broken || v.theorem != Theorem::refinement;
                }
                if (!theorem_broken && seen.insert(r.final_key).second) {
                    next.push_back(std::move(path));
                }
            }
        }
        std::printf("exhaustive: depth %u, %zu new states\n", level, next.size());
        frontier = std::move(next);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const bool expecting = !o.expect.empty();
    Found found;
    const auto start = std::chrono::steady_clock::now();
    Checker random_checker;
    Random rng(o.seed);
    for (const Description& d : configurations()) {
        std::printf("configuration: %s\n", d.describe().c_str());
        for (unsigned i = 0; i < o.traces; ++i) {
            std::vector<Action> actions;
            for (unsigned s = 0; s < o.steps; ++s) {
                actions.push_back(random_action(rng));
            }
            note(found, random_checker.run(d, actions), true);
            if (harness_failed(random_checker)) {
                return 2;
            }
        }
    }
    Checker scenario_checker;
    for (const Scenario& s : scenarios()) {
        note(found, scenario_checker.run(s.description, play(s.description, s.strategy, 3 * o.steps)), true);
        if (harness_failed(scenario_checker)) {
            return 2;
        }
    }
    Checker exhaustive_checker;
    exhaustive(exhaustive_checker, configurations().front(), o.depth, found, true);
    print_figures("random", random_checker);
    print_figures("scenario", scenario_checker);
    print_figures("exhaustive", exhaustive_checker);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("time %.1f s\n", seconds);
    if (expecting) {
        std::printf("caught by:");
        for (Theorem t : found.caught) {
            std::printf(" %s", theorem_name(t));
        }
        std::printf("%s\n", found.any ? "" : " nothing");
        bool hit = o.expect == "any" ? found.any : false;
        for (Theorem t : found.caught) {
            hit = hit || o.expect == theorem_name(t);
        }
        return hit ? 0 : 1;
    }
    std::printf(found.any ? "separation: VIOLATED\n" : "separation: every theorem holds\n");
    return found.any ? 1 : 0;
}
