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
//   cpu isolation    no thread receives more timer ticks in a period than
//                    its SchedContext's budget
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
    // Fed with every tick and the thread that ran during it.
    [[nodiscard]] std::string cpu_isolation(int ran, std::uint64_t tick);

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
    std::map<std::pair<int, std::uint64_t>, std::uint64_t> ticks_in_window_;
};

// Everything cell `cell` can observe after a step: its threads' states and
// registers, its capabilities, the memory it holds capabilities to, what
// it loaded, and whether one of its threads holds the CPU.
std::string observe(const View& v, const Theorems& t, unsigned cell, int actor, std::uint64_t loaded);

}  // namespace septum::kernel::proofs
