// Result<T> and SEPTUM_TRY: a value or the Status (septum/abi/status.hpp)
// saying why there is none, and the early return that passes a failure on.
//
// They stay beside the capability library, whose vocabulary they are and
// which every user of them already includes; the Status values moved to
// abi/ because they are the syscall error code.
#pragma once

#include <utility>

#include "septum/abi/status.hpp"

namespace septum {

// A value or the reason there is none. T must be cheap to default-construct
// (pointers, small structs): there is no optional storage in freestanding code.
template <class T>
class [[nodiscard]] Result {
public:
    // Implicit both ways by design: `return slot;` and `return Status::x;`.
    // cppcheck-suppress noExplicitConstructor
    constexpr Result(T value) : status_{Status::ok}, value_{std::move(value)} {}  // NOLINT: implicit by design
    // cppcheck-suppress noExplicitConstructor
    constexpr Result(Status status) : status_{status}, value_{} {}  // NOLINT: implicit by design

    [[nodiscard]] constexpr bool ok() const { return status_ == Status::ok; }
    [[nodiscard]] constexpr Status status() const { return status_; }
    // Only meaningful when ok(); callers must check first.
    [[nodiscard]] constexpr const T& value() const { return value_; }
    [[nodiscard]] constexpr T& value() { return value_; }

private:
    Status status_;
    T value_;
};

}  // namespace septum

// Early return of a failed Status or Result<T> from a function returning Status
// or Result<U>: the error value itself is what the caller sees.
#define SEPTUM_TRY(expr)                                                                                               \
    do {                                                                                                               \
        if (auto septum_try_status_ = ::septum::detail::status_of(expr); septum_try_status_ != ::septum::Status::ok) { \
            return septum_try_status_;                                                                                 \
        }                                                                                                              \
    } while (false)

namespace septum::detail {
constexpr Status status_of(Status status) { return status; }
template <class T>
constexpr Status status_of(const Result<T>& result) {
    return result.status();
}
}  // namespace septum::detail
