// Adversaries for CPU isolation: traces chosen step by step by watching
// which thread the kernel runs, as a tenant's threads would play it, each
// aimed at a way a kernel can get CPU time wrong. The checkers run the
// recorded actions like any other trace.
#pragma once

#include <string>
#include <vector>

#include "model.hpp"

namespace septum::kernel::proofs {

enum class Strategy {
    spinners,  // every thread computes, in stretches that cross its periods
    dodger,    // every thread runs until just before the kernel would decide, then yields
    blocker,   // threads run until just before the kernel would decide, then block; their partners wake them
    caller,    // cell 1 calls cell 0 just before its deadline; cell 0 computes, then answers (the IPC fast path)
};

// The systems the theorems are checked on. Cell 0 holds the secret; no
// declaration lets anything of cell 0 reach another cell except the
// messages it sends over a channel and its replies.
//   linked    three cells, two channels, two shared frames; budgets that
//             fill the CPU exactly, so every thread's whole budget is
//             promised in every period
//   isolated  two cells sharing nothing, with periods that do not divide
//             each other (two end a cycle apart): some promises hold only
//             as upper bounds
//   halves    two cells of two threads, 990 and 10 in every 2000 cycles
Description linked_system();
Description isolated_system();
Description halves_system();

struct Scenario {
    const char* name;
    Strategy strategy;
    Description description;
};

// The scenarios every run of the checkers plays (separation.cpp).
std::vector<Scenario> scenarios();

// Plays `steps` steps of a strategy on a fresh system of the description;
// returns the actions taken.
std::vector<Action> play(const Description& d, Strategy s, unsigned steps);

}  // namespace septum::kernel::proofs
