// Simulated interrupt controller: masks are recorded per line.
#pragma once

namespace septum::arch::pic {

inline constexpr unsigned vector_base = 0x20;
inline constexpr unsigned line_count = 16;

namespace sim {
inline bool masked[line_count] = {true, true, true, true, true, true, true, true,
                                  true, true, true, true, true, true, true, true};
inline unsigned eois = 0;
}  // namespace sim

inline void mask(unsigned line) {
    if (line < line_count) {
        sim::masked[line] = true;
    }
}
inline void unmask(unsigned line) {
    if (line < line_count) {
        sim::masked[line] = false;
    }
}
inline void eoi(unsigned) { ++sim::eois; }

}  // namespace septum::arch::pic
