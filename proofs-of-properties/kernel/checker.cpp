#include "checker.hpp"

#include <functional>

#include "real.hpp"
#include "spec.hpp"
#include "theorems.hpp"

namespace septum::kernel::proofs {

namespace {

std::uint64_t hash_view(const View& v, const RealSystem& real) {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 1099511628211ull + (h >> 29); };
    mix(static_cast<std::uint64_t>(v.running + 1));
    mix(v.now);
    for (unsigned i = 0; i < v.threads.size(); ++i) {
        const ThreadView& t = v.threads[i];
        mix(t.state);
        mix(static_cast<std::uint64_t>(t.caller + 1));
        for (std::uint64_t r : t.regs) {
            mix(r);
        }
        // Scheduler counters the view leaves out but the future depends on.
        const Tcb& tcb = real.thread(i);
        mix(tcb.timeslice_left);
        if (tcb.sched_context != nullptr) {
            mix(tcb.sched_context->used);
            mix(tcb.sched_context->period_start);
            mix(tcb.sched_context->throttled ? 1 : 0);
        }
    }
    for (const auto& [where, c] : v.caps) {
        mix(where.first);
        mix(where.second);
        mix(c.kind);
        mix(c.object);
        mix(c.rights);
        mix(c.badge);
        mix(c.mapped_address);
    }
    for (const auto& [frame, words] : v.memory) {
        mix(frame);
        for (std::uint64_t w : words) {
            mix(w);
        }
    }
    for (const auto& [object, q] : v.waiting) {
        mix(object);
        for (int t : q) {
            mix(static_cast<std::uint64_t>(t));
        }
    }
    for (const auto& [object, word] : v.signals) {
        mix(word);
    }
    return h;
}

}  // namespace

const char* theorem_name(Theorem t) {
    static const char* const names[] = {"refinement", "integrity", "confidentiality", "confinement", "cpu-isolation"};
    return names[static_cast<unsigned>(t)];
}

TraceResult Checker::run(const Description& base, const std::vector<Action>& actions) {
    TraceResult result;
    Description d = base;
    d.secret = secret_a;
    RealSystem real(d);
    Spec spec(d, real.placement());
    Theorems theorems(d, real.placement());
    View before = real.view();
    std::vector<Action> done;
    bool diverged = false;
    auto fail = [&](Theorem t, const std::string& what) { result.violations.push_back({t, what, done}); };
    if (std::string diff = difference(spec.view(), before); !diff.empty()) {
        fail(Theorem::refinement, "initial state: " + diff);
        return result;
    }
    for (const Action& given : actions) {
        // Time passes, then whichever thread runs acts.
        const Action timed = real.resolve(given);
        const std::vector<Segment> segments = real.advance(timed);
        spec.advance(timed);
        const int actor = timed.kind == Action::Kind::spin ? -1 : real.running();
        const Action a = theorems.cell_of_thread(actor) == 0 ? with_secret(timed, d.secret) : timed;
        done.push_back(a);
        const std::uint64_t loaded = real.perform(a);
        const std::uint64_t predicted = spec.perform(a);
        const View after = real.view();
        if (!spec.unmodelled().empty()) {
            harness_error = "the specification does not model " + spec.unmodelled() + " (" + a.describe() + ")";
            return result;
        }
        // After the first disagreement the specification no longer follows
        // the kernel; the theorems, which speak of the kernel alone, go on.
        if (!diverged) {
            std::string diff = difference(spec.view(), after);
            if (diff.empty() && loaded != predicted) {
                diff =
                    "a load read " + std::to_string(loaded) + ", the specification says " + std::to_string(predicted);
            }
            if (!diff.empty()) {
                fail(Theorem::refinement, diff);
                diverged = true;
            }
        }
        if (std::string v = theorems.integrity({a, actor, before, after}); !v.empty()) {
            fail(Theorem::integrity, v);
        }
        if (std::string v = theorems.confinement(after); !v.empty()) {
            fail(Theorem::confinement, v);
        }
        if (std::string v = theorems.cpu_isolation(segments); !v.empty()) {
            fail(Theorem::cpu_isolation, v);
        }
        const std::uint64_t key = hash_view(after, real);
        for (Theorem t : {Theorem::refinement, Theorem::integrity, Theorem::confinement, Theorem::cpu_isolation}) {
            figures[static_cast<unsigned>(t)].states.insert(key);
        }
        result.final_key = key;
        before = after;
        if (result.violations.size() > (diverged ? 1u : 0u)) {
            break;  // a theorem failed: what follows proves nothing more
        }
    }
    for (Theorem t : {Theorem::refinement, Theorem::integrity, Theorem::confinement, Theorem::cpu_isolation}) {
        Figures& f = figures[static_cast<unsigned>(t)];
        ++f.traces;
        f.depth = std::max<std::uint64_t>(f.depth, done.size());
    }
    // Confidentiality: the same schedule with another secret in cell 0.
    std::uint64_t key_a = 0, key_b = 0;
    const auto seen_a = observe_run(base, actions, secret_a, key_a);
    const auto seen_b = observe_run(base, actions, secret_b, key_b);
    Figures& f = figures[static_cast<unsigned>(Theorem::confidentiality)];
    ++f.traces;
    f.depth = std::max<std::uint64_t>(f.depth, actions.size());
    for (unsigned step = 0; step < seen_a.size(); ++step) {
        for (unsigned cell = 1; cell < seen_a[step].size(); ++cell) {
            if (seen_a[step][cell] != seen_b[step][cell]) {
                std::vector<Action> prefix(actions.begin(), actions.begin() + step + 1);
                result.violations.push_back({Theorem::confidentiality,
                                             "after step " + std::to_string(step + 1) + " cell " +
                                                 std::to_string(cell) + " sees a difference in cell 0's secret:\n  " +
                                                 seen_a[step][cell] + "\n  " + seen_b[step][cell],
                                             prefix});
                return result;
            }
        }
    }
    return result;
}

std::vector<std::vector<std::string>> Checker::observe_run(const Description& base, const std::vector<Action>& actions,
                                                           std::uint64_t secret, std::uint64_t& key) {
    Description d = base;
    d.secret = secret;
    RealSystem real(d);
    Theorems theorems(d, real.placement());
    std::vector<std::vector<std::string>> seen;
    for (const Action& plain : actions) {
        const std::vector<Segment> segments = real.advance(plain);
        const int actor = plain.kind == Action::Kind::spin ? -1 : real.running();
        const Action a = theorems.cell_of_thread(actor) == 0 ? with_secret(plain, secret) : plain;
        const std::uint64_t loaded = real.perform(a);
        const View v = real.view();
        std::vector<std::string> per_cell(d.cells);
        for (unsigned cell = 1; cell < d.cells; ++cell) {
            per_cell[cell] = observe(v, theorems, cell, actor, loaded, segments);
        }
        seen.push_back(std::move(per_cell));
        key = hash_view(v, real) ^ (secret * 0x9e3779b97f4a7c15ull);
        figures[static_cast<unsigned>(Theorem::confidentiality)].states.insert(key);
    }
    return seen;
}

}  // namespace septum::kernel::proofs
