// The simulated machine's time: a TSC that tests and checkers advance, at
// 1 MHz so that one cycle is one microsecond, and a record of the deadline
// the scheduler armed (a test delivers the timer event when it is due).
#pragma once

#include <cstdint>

namespace septum::arch::clock {

namespace sim {
inline std::uint64_t tsc = 0;
inline std::uint64_t armed = ~std::uint64_t{0};
inline std::uint64_t arms = 0;  // how often the timer was armed
}  // namespace sim

inline std::uint64_t now() { return sim::tsc; }
inline std::uint64_t tsc_khz() { return 1000; }
inline void arm(std::uint64_t deadline) {
    sim::armed = deadline;
    ++sim::arms;
}

}  // namespace septum::arch::clock
