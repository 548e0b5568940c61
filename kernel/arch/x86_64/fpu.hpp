// The FPU and SSE state of user threads (x87, MMX, XMM0-15, MXCSR), saved
// with FXSAVE into the thread's TCB when another thread takes the CPU. The
// kernel itself never touches these registers (-mgeneral-regs-only), so a
// thread's state stays in the registers across its own syscalls.
#pragma once

#include <cstdint>

#include "fpu_state.hpp"

namespace septum::arch::fpu {

// Enables FXSAVE/FXRSTOR and SSE for user code (CR0.MP, !CR0.EM,
// CR4.OSFXSR, CR4.OSXMMEXCPT).
void init();

inline void save(State& s) { asm volatile("fxsave64 %0" : "=m"(s)::"memory"); }
inline void restore(const State& s) { asm volatile("fxrstor64 %0" ::"m"(s) : "memory"); }

}  // namespace septum::arch::fpu
