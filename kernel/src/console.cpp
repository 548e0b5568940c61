#include "console.hpp"

#include "serial.hpp"

namespace septum::console {

void init() { arch::serial::init(); }

void write(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        // Terminals and the boot-test runner expect CR LF on a serial line.
        if (s[i] == '\n') {
            arch::serial::put('\r');
        }
        arch::serial::put(s[i]);
    }
}

}  // namespace septum::console
