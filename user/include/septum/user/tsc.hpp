// The time-stamp counter; in Bochs with clock sync=none it counts executed
// instructions, so differences are repeatable path lengths.
#pragma once

#include <cstdint>

namespace septum::user {

inline std::uint64_t rdtsc() {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (std::uint64_t{hi} << 32) | lo;
}

}  // namespace septum::user
