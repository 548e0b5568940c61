// A user thread's FPU and SSE registers as FXSAVE stores them (SDM Vol. 1
// 10.5.1): kept in its TCB. No instructions here, so the host build of the
// kernel core uses this header as it is.
#pragma once

#include <cstdint>

namespace septum::arch::fpu {

struct alignas(16) State {
    std::uint8_t bytes[512];
};

// The state a new thread starts with: x87 control word 0x37f (all
// exceptions masked), MXCSR 0x1f80 (all SSE exceptions masked), the rest 0.
constexpr State initial_state() {
    State s{};
    s.bytes[0] = 0x7f;  // FCW
    s.bytes[1] = 0x03;
    s.bytes[24] = 0x80;  // MXCSR
    s.bytes[25] = 0x1f;
    return s;
}

}  // namespace septum::arch::fpu
