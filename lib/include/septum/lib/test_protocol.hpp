// The writer's side of the boot test protocol (docs/test-protocol.md): one
// line per check, counted, a summary per suite, one end marker per run. The
// kernel writes its boot checks with it to the console, the root task its
// in-system suite through its I/O port capability; `Out` is where the text
// goes (a format.hpp Sink).
#pragma once

#include <cstdint>

#include "septum/lib/format.hpp"

namespace septum {

template <Sink Out>
class TestProtocol {
public:
    explicit TestProtocol(Out& out) : out_(out) {}

    void begin(const char* suite) { format_to(out_, "SEPTUM-TEST BEGIN {}\n", suite); }
    // The suite's summary line: counts of exactly the lines written.
    void end() { format_to(out_, "SEPTUM-TEST SUMMARY passed={} failed={} skipped={}\n", passed_, failed_, skipped_); }
    // The end marker: nothing more will be reported in this run.
    void finish() { format_to(out_, "SEPTUM-TEST END\n"); }

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
    // PASS or FAIL, by ok; returns ok.
    template <typename... Args>
    bool check(bool ok, const char* name, const char* fmt, const Args&... args) {
        ok ? pass(name, fmt, args...) : fail(name, fmt, args...);
        return ok;
    }

    [[nodiscard]] std::uint64_t failed() const { return failed_; }
    // Where the lines go, for free text between them.
    [[nodiscard]] Out& out() const { return out_; }

private:
    template <typename... Args>
    void line(const char* status, const char* name, const char* fmt, const Args&... args) {
        format_to(out_, "{} {}: ", status, name);
        format_to(out_, fmt, args...);
        format_to(out_, "\n");
    }

    Out& out_;
    std::uint64_t passed_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace septum
