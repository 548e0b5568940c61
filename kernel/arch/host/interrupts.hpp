// Simulated interrupt dispatch: handlers are kept so a test can raise a
// line the way the IDT would.
#pragma once

#include <cstdint>

namespace septum::arch {

struct InterruptFrame {
    std::uint64_t vector;
    std::uint64_t error_code;
};

inline constexpr unsigned exception_count = 32;

using InterruptHandler = void (*)(InterruptFrame&);

namespace sim {
inline InterruptHandler handlers[256] = {};
}

inline void set_interrupt_handler(std::uint8_t vector, InterruptHandler h) { sim::handlers[vector] = h; }

// Delivers an interrupt on `vector` to its handler, if any.
inline void raise(std::uint8_t vector) {
    InterruptFrame f{vector, 0};
    if (sim::handlers[vector] != nullptr) {
        sim::handlers[vector](f);
    }
}

}  // namespace septum::arch
