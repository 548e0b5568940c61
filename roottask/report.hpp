// The root task's side of the test protocol (docs/test-protocol.md): one
// line per check, counted, so the summary always agrees with the lines.
#pragma once

#include <cstdint>

#include "septum/caps/status.hpp"
#include "septum/user/console.hpp"
#include "septum/user/status.hpp"

namespace septum::roottask {

class Report {
public:
    explicit Report(user::Console& console) : console_(console) {}

    void begin(const char* suite) { console_.print("SEPTUM-TEST BEGIN {}\n", suite); }
    void end() {
        console_.print("SEPTUM-TEST SUMMARY passed={} failed={} skipped={}\nSEPTUM-TEST END\n", passed_, failed_,
                       skipped_);
    }

    // PASS or FAIL, by ok; returns ok.
    template <typename... Args>
    bool check(bool ok, const char* name, const char* fmt, const Args&... args) {
        line(ok ? "PASS" : "FAIL", name, fmt, args...);
        ++(ok ? passed_ : failed_);
        return ok;
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

    // A check that one status came back: "got X" or "got X, want Y".
    bool status(const char* name, Status got, Status want, const char* what) {
        if (got == want) {
            return check(true, name, "{}: {}", what, user::status_name(got));
        }
        return check(false, name, "{}: got {}, want {}", what, user::status_name(got), user::status_name(want));
    }

    // A set-up step of check `name`: on failure reports FAIL and returns false.
    bool setup(Status s, const char* name, const char* step) {
        if (s == Status::ok) {
            return true;
        }
        return check(false, name, "set-up failed: {}: {}", step, user::status_name(s));
    }
    template <typename T>
    bool setup(const Result<T>& r, const char* name, const char* step) {
        return setup(r.status(), name, step);
    }

    [[nodiscard]] std::uint64_t failed() const { return failed_; }

private:
    template <typename... Args>
    void line(const char* tag, const char* name, const char* fmt, const Args&... args) {
        console_.print("{} {}: ", tag, name);
        console_.print(fmt, args...);
        console_.print("\n");
    }

    user::Console& console_;
    std::uint64_t passed_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace septum::roottask
