// The in-kernel side of the boot test protocol (docs/test-protocol.md):
// one line per check, a summary line, an end marker, all on the console.
#pragma once

#include "console.hpp"

namespace septum {

class TestReport {
public:
    void begin(const char* suite);

    template <typename... Args>
    void pass(const char* name, const char* fmt, const Args&... args) {
        line("PASS", name, fmt, args...);
        ++passed_;
    }
    template <typename... Args>
    void fail(const char* name, const char* fmt, const Args&... args) {
        line("FAIL", name, fmt, args...);
        ++failed_;
    }
    template <typename... Args>
    void skip(const char* name, const char* fmt, const Args&... args) {
        line("SKIP", name, fmt, args...);
        ++skipped_;
    }
    template <typename... Args>
    void info(const char* name, const char* fmt, const Args&... args) {
        line("INFO", name, fmt, args...);
    }
    template <typename... Args>
    void check(bool ok, const char* name, const char* fmt, const Args&... args) {
        ok ? pass(name, fmt, args...) : fail(name, fmt, args...);
    }

    // Prints the suite's summary line.
    void end();
    // Prints the end marker: nothing more will be reported in this run.
    void finish();

    unsigned failed() const { return failed_; }

private:
    template <typename... Args>
    void line(const char* status, const char* name, const char* fmt, const Args&... args) {
        console::print("{} {}: ", status, name);
        console::print(fmt, args...);
        console::print("\n");
    }

    unsigned passed_ = 0;
    unsigned failed_ = 0;
    unsigned skipped_ = 0;
};

}  // namespace septum
