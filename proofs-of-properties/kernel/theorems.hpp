// The separation theorems as executable checks over Views of the real
// kernel (docs/separation.md states them):
//
//   integrity        a step of cell X changes only memory X may write, and
//                    another cell only through an object both hold a
//                    capability to (a declared channel or shared frame) or
//                    a reply to its call; a cell gains a capability from
//                    another only over a declared channel with grant
//   confinement      every capability a cell holds names an object of its
//                    own region, or one the system description shares with
//                    it (with no more rights than declared), directly or
//                    over channels with grant
//   cpu isolation    shares: no thread receives more than its budget in
//                    any period of its SchedContext, and a thread that wants
//                    the CPU throughout a period receives its whole budget in
//                    it, whatever the others do, whenever the threads that
//                    may compete with it (its priority or higher) cannot
//                    together take more than the rest of the period
//   confidentiality  (separation.cpp) two runs that differ only in cell 0's
//                    secrets look the same to every other cell: observe()
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model.hpp"

namespace septum::kernel::proofs {

// A step as the theorems see it.
struct StepRecord {
    const Action& action;
    int actor;  // the thread that performed it; -1 for a tick or when none ran
    const View& before;
    const View& after;
};

class Theorems {
public:
    Theorems(const Description& d, const Placement& p);

    // Each returns "" when the theorem holds for the step, else why not.
    [[nodiscard]] std::string integrity(const StepRecord& s) const;
    [[nodiscard]] std::string confinement(const View& v) const;
    // Fed with every stretch of time, in order from time 0.
    [[nodiscard]] std::string cpu_isolation(const std::vector<Segment>& segments);
    // The most the threads that may compete with thread t could take in
    // its period k: their budgets, once for each of their periods that
    // overlaps it (~0: one has no budget).
    [[nodiscard]] std::uint64_t competition(unsigned t, std::uint64_t k) const;

    // The cell a thread, or a capability location, belongs to (-1: none).
    [[nodiscard]] int cell_of_thread(int t) const { return t < 0 ? -1 : t / static_cast<int>(threads_per_cell); }
    [[nodiscard]] int cell_of_location(const CapLocation& where) const;

private:
    [[nodiscard]] bool allowed(unsigned cell, std::uint64_t object, std::uint8_t rights) const;
    [[nodiscard]] bool holds(const View& v, unsigned cell, std::uint64_t object, std::uint8_t rights) const;
    [[nodiscard]] std::string other_cell_unchanged(const StepRecord& s, unsigned x, unsigned y) const;

    const Description& d_;
    const Placement& p_;
    // Per cell: the physical ranges its capabilities may name, and the
    // rights they may carry there.
    struct Range {
        std::uint64_t lo, hi;
        std::uint8_t rights;
    };
    std::vector<std::vector<Range>> allowed_;
    // Each thread's current period: its number, the cycles the thread ran
    // in it, and whether it was ready at every moment of it before it had
    // received its budget.
    struct Share {
        std::uint64_t period = 0;
        std::uint64_t received = 0;
        bool wanting = true;
    };
    std::vector<Share> shares_;
    [[nodiscard]] const ThreadConfig& config(unsigned t) const {
        return d_.threads[t / threads_per_cell][t % threads_per_cell];
    }
    [[nodiscard]] std::string end_of_period(unsigned t) const;
};

// Everything cell `cell` can observe after a step: its threads' states and
// registers, its capabilities, the memory it holds capabilities to, what
// it loaded, the time (every cell reads the TSC), and when its threads had
// the CPU during the step.
std::string observe(const View& v, const Theorems& t, unsigned cell, int actor, std::uint64_t loaded,
                    const std::vector<Segment>& segments);

}  // namespace septum::kernel::proofs
