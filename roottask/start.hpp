// What every root-task program does first and last: the product
// (roottask/main.cpp) and the in-system suite (tests/in-system/main.cpp)
// both start with a pool of memory cut from the machine's Untypeds and the
// check roottask.started, and end with the summary and the end of the run.
#pragma once

#include <cstdint>

#include "env.hpp"

namespace septum::roottask {

// The pool: an Untyped of 32 MiB (or half the largest of the machine's
// Untypeds, if that is less), the first cut from the smallest Untyped
// larger than it.
inline constexpr std::uint8_t max_pool_bits = 25;
struct PoolSource {
    std::uint64_t index = 0;  // in BootInfo::untyped_list
    std::uint8_t bits = 0;    // log2 of the pool's size
};
PoolSource pool_source(const abi::BootInfo& bi);

// Opens the suite "system", sets up the pool and reports roottask.started;
// if that worked, runs `body`; then writes the summary and the end marker
// and ends the run (with septum.exit=emulator on the root task's command
// line, by powering the emulator off with the verdict).
[[noreturn]] void run_program(std::uint64_t bootinfo_address, void (*body)(Env&));

}  // namespace septum::roottask
