// The root task's side of the test protocol (docs/test-protocol.md): the
// shared writer (septum/lib/test_protocol.hpp) over the root task's
// console, with helpers for the checks of statuses and set-up steps.
#pragma once

#include <cstdint>

#include "septum/caps/status.hpp"
#include "septum/lib/test_protocol.hpp"
#include "septum/user/console.hpp"
#include "septum/user/status.hpp"

namespace septum::roottask {

class Report : public TestProtocol<user::Console> {
public:
    explicit Report(user::Console& console) : TestProtocol<user::Console>(console) {}

    // The suite's summary and the run's end marker: the root task reports last.
    void end() {
        TestProtocol<user::Console>::end();
        finish();
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
};

}  // namespace septum::roottask
