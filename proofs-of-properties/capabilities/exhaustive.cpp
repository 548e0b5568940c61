// Bounded exhaustive checker: every sequence of operations up to --depth over
// a tiny system (a 4-slot root CNode, a 512-byte Untyped), every invariant
// after every step. Sequences that reach a state already seen are not
// extended again: the invariants are properties of the state, and what
// follows a state depends only on the state (state_key holds all of it), so
// this covers every sequence while exploring each state once.
//
//   caps-exhaustive [--depth K] [--expect P1..P5]
//
// With --expect Pn only property n is checked, and the exit status is 0 when
// a violation of it is found (a mutant is caught), 1 otherwise.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "harness.hpp"

namespace septum::caps::proofs {
namespace {

const Config tiny{2, 9, false};

std::vector<Op> alphabet() {
    // R's four slots, and the two slots of a radix-1 CNode kept in R[3].
    const std::vector<Address> slots = {{0, 2}, {1, 2}, {2, 2}, {3, 2}, {6, 3}, {7, 3}};
    std::vector<Op> ops;
    for (const Address& a : slots) {
        for (const Address& b : slots) {
            if (a.raw_cptr == b.raw_cptr && a.raw_depth == b.raw_depth) {
                continue;
            }
            ops.push_back(Op{.code = OpCode::copy, .a = a, .b = b});
            ops.push_back(Op{.code = OpCode::move, .a = a, .b = b});
            // Restrict and badge (an Endpoint) or set guard 1/1 (a CNode);
            // then try to win the rights back.
            ops.push_back(Op{.code = OpCode::mint, .a = a, .b = b, .rights = 0x1, .data = encode_guard(1, 1)});
            ops.push_back(Op{.code = OpCode::mint, .a = a, .b = b, .rights = 0x1F, .data = 0});
            ops.push_back(Op{.code = OpCode::mutate, .a = a, .b = b, .rights = 0x1, .data = 0});
        }
        ops.push_back(Op{.code = OpCode::remove, .a = a});
        ops.push_back(Op{.code = OpCode::remove_only, .a = a});
        ops.push_back(Op{.code = OpCode::revoke, .a = a, .budget = 1});
        ops.push_back(Op{.code = OpCode::revoke_step, .a = a, .budget = 1});
    }
    ops.push_back(Op{.code = OpCode::reap_step, .budget = 1});
    const std::uint64_t kinds[][2] = {{static_cast<std::uint64_t>(ObjectKind::endpoint), 0},
                                      {static_cast<std::uint64_t>(ObjectKind::cnode), 1},
                                      {static_cast<std::uint64_t>(ObjectKind::untyped), 8}};
    for (const Address untyped : {Address{0, 2}, Address{2, 2}}) {
        for (const auto& kind : kinds) {
            for (const auto& [cnode, offset] : {std::pair{Address{1, 2}, 2}, std::pair{Address{1, 2}, 3},
                                                std::pair{Address{3, 2}, 0}, std::pair{Address{3, 2}, 1}}) {
                ops.push_back(Op{.code = OpCode::retype,
                                 .a = untyped,
                                 .b = cnode,
                                 .kind = kind[0],
                                 .size_arg = kind[1],
                                 .offset = static_cast<std::uint64_t>(offset),
                                 .count = 1});
            }
        }
    }
    return ops;
}

struct Options {
    int depth = 5;
    unsigned expect = 0;  // property number, 0 = check everything, expect nothing
};

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--depth") == 0 && i + 1 < argc) {
            options.depth = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
            const char* name = argv[++i];
            options.expect = static_cast<unsigned>(name[0] == 'P' || name[0] == 'p' ? std::atoi(name + 1) : 0);
        } else {
            std::fprintf(stderr, "usage: %s [--depth K] [--expect P1..P5]\n", argv[0]);
            std::exit(2);
        }
    }
    return options;
}

// Seen states are kept as a 128-bit digest of state_key (two independent
// 64-bit hashes), not the key itself: a few hundred thousand states fit in
// tens of megabytes. A collision would only prune a state unexplored; at
// these counts its probability is below 2^-90.
struct Digest {
    std::uint64_t a;
    std::uint64_t b;
    bool operator==(const Digest&) const = default;
};
struct DigestHash {
    std::size_t operator()(const Digest& d) const { return d.a ^ (d.b * 0x9E3779B97F4A7C15ULL); }
};
Digest digest(const std::string& key) {
    std::uint64_t fnv = 0xCBF29CE484222325ULL;
    for (unsigned char c : key) {
        fnv = (fnv ^ c) * 0x100000001B3ULL;
    }
    return Digest{std::hash<std::string>{}(key), fnv};
}

// A sequence as indices into the alphabet: a few bytes per frontier entry.
using Path = std::vector<std::uint8_t>;

void replay(System& system, const std::vector<Op>& ops, const Path& prefix) {
    for (std::uint8_t index : prefix) {
        (void)apply_real(system, ops[index]);
    }
}

int run(const Options& options) {
    const auto started = std::chrono::steady_clock::now();
    const std::vector<Op> ops = alphabet();
    StepChecks checks;
    checks.property_mask = options.expect == 0 ? all_properties : 1U << (options.expect - 1);
    checks.probes = lookup_probes(5);

    std::unordered_set<Digest, DigestHash> seen;
    static_assert(sizeof(Path::value_type) == 1);
    if (ops.size() > 256) {
        std::fprintf(stderr, "alphabet too large for byte paths\n");
        return 2;
    }
    std::vector<Path> frontier{Path{}};
    {
        System initial{tiny};
        seen.insert(digest(state_key(initial)));
        if (auto v = check_invariants(initial, checks.property_mask, checks.probes); !v.empty()) {
            std::printf("initial state violates:\n%s", describe(v).c_str());
            return options.expect != 0 ? 0 : 1;
        }
    }
    std::uint64_t transitions = 0;
    for (int depth = 1; depth <= options.depth; ++depth) {
        std::vector<Path> next;
        for (const Path& prefix : frontier) {
            for (std::size_t index = 0; index < ops.size(); ++index) {
                const Op& op = ops[index];
                System system{tiny};
                replay(system, ops, prefix);
                const std::string before = state_key(system);
                RevokeRecord revoke;
                const Status status = apply_real(system, op, &revoke);
                ++transitions;
                const std::string after = state_key(system);
                Violations violations;
                if (status != Status::ok && status != Status::preempted && after != before && options.expect == 0) {
                    violations.push_back({Property::errors_change_nothing, "an error changed the state"});
                }
                if (revoke.completed && (checks.property_mask & 2U) != 0) {
                    check_revoke_postcondition(abstract(system), revoke.target, revoke.revoked, violations);
                }
                const bool fresh = seen.insert(digest(after)).second;
                if (fresh) {
                    Violations found = check_invariants(system, checks.property_mask, checks.probes);
                    violations.insert(violations.end(), found.begin(), found.end());
                    Path extended = prefix;
                    extended.push_back(static_cast<std::uint8_t>(index));
                    next.push_back(std::move(extended));
                }
                if (!violations.empty()) {
                    std::printf("violation after:\n");
                    for (std::uint8_t step : prefix) {
                        std::printf("  %s\n", describe(ops[step]).c_str());
                    }
                    std::printf("  %s -> %s\n%s", describe(op).c_str(), describe(status).c_str(),
                                describe(violations).c_str());
                    return options.expect != 0 ? 0 : 1;
                }
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("depth %d: %zu distinct states, %llu transitions, %.1f s\n", depth, seen.size(),
                    static_cast<unsigned long long>(transitions), seconds);
        std::fflush(stdout);
        frontier = std::move(next);
    }
    std::printf("exhaustive: depth %d, %zu states explored, %llu transitions, alphabet %zu ops: %s\n", options.depth,
                seen.size(), static_cast<unsigned long long>(transitions), ops.size(),
                options.expect != 0 ? "mutant NOT caught" : "all invariants hold");
    return options.expect != 0 ? 1 : 0;
}

}  // namespace
}  // namespace septum::caps::proofs

int main(int argc, char** argv) { return septum::caps::proofs::run(septum::caps::proofs::parse(argc, argv)); }
