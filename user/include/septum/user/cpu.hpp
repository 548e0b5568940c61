// What user code asks the CPU directly: the time-stamp counter (in Bochs
// with clock sync=none it counts executed instructions, so differences are
// repeatable path lengths) and whether VT-x is there.
#pragma once

#include <cstdint>

namespace septum::user {

inline std::uint64_t rdtsc() {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (std::uint64_t{hi} << 32) | lo;
}

// CPUID.1:ECX.VMX (QEMU's TCG does not offer it).
inline bool cpu_has_vmx() {
    std::uint32_t a = 1, b = 0, c = 0, d = 0;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return (c & (1u << 5)) != 0;
}

}  // namespace septum::user
