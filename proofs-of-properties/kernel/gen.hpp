// The actions the checkers try: a random generator biased towards what
// connects (the cell's own objects, the declared channels, free slots that
// retype fills), with random times before each (none, some, long spins
// across periods, up to just before the kernel's next decision), and the
// small fixed alphabet of the exhaustive checker.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "model.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel::proofs {

using Random = std::mt19937_64;

// One random action for whichever thread will run it (slots and addresses
// are the same in every cell).
Action random_action(Random& rng);

// The exhaustive checker's alphabet: every action here is tried after every
// state reached.
std::vector<Action> small_alphabet();

// Action builders.
Action spin(Duration d);
Duration cycles(std::uint64_t n);
Duration before_deadline(std::uint64_t n);  // n cycles before the running thread's next decision
Action after(Duration d, Action a);         // a, once d has passed
Action ipc(abi::Syscall number, std::uint64_t cptr, std::uint8_t length = 1, std::uint64_t w0 = 0x11);
Action invocation(std::uint64_t cptr, abi::Invocation op, std::vector<std::uint64_t> args);
Action memory(bool store, std::uint64_t address, unsigned word, std::uint64_t value = 0);

}  // namespace septum::kernel::proofs
