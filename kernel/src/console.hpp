// The kernel console: formatted text to the boot serial port.
#pragma once

#include "septum/lib/format.hpp"

namespace septum::console {

void init();
void write(const char* s, std::size_t n);

struct Out {
    void put(const char* s, std::size_t n) { write(s, n); }
};

template <typename... Args>
void print(const char* fmt, const Args&... args) {
    Out out;
    format_to(out, fmt, args...);
}

}  // namespace septum::console
