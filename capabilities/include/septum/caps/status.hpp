// The one status enum of Septum.
//
// Every operation of the capability library returns a Status (or a Result
// carrying one). The kernel reuses this enum as its syscall error code, so a
// value here is ABI: append new values, never renumber.
#pragma once

#include <cstdint>
#include <utility>

namespace septum {

// X(name, value, meaning): the list docs/syscalls.md is generated from.
#define SEPTUM_STATUSES(X)                                                        \
    X(ok, 0, "success")                                                           \
    X(preempted, 1, "a bounded operation ran out of budget; call it again")       \
    X(invalid_argument, 2, "a raw argument is outside its domain")                \
    X(out_of_range, 3, "an index, depth or count falls outside the object")       \
    X(guard_mismatch, 4, "a CNode guard did not match the address bits")          \
    X(depth_mismatch, 5, "the address bits ran out, or were left over, mid-path") \
    X(empty_slot, 6, "a capability was needed and the slot holds none")           \
    X(slot_occupied, 7, "a destination slot already holds a capability")          \
    X(wrong_kind, 8, "the capability names an object of another kind")            \
    X(insufficient_rights, 9, "the capability lacks a right the operation needs") \
    X(badge_already_set, 10, "a badged capability cannot be re-badged")           \
    X(not_derivable, 11, "this kind cannot be copied, minted or mutated")         \
    X(has_children, 12, "the capability has descendants; revoke first")           \
    X(not_enough_memory, 13, "the Untyped has too little room left")

enum class [[nodiscard]] Status : std::uint8_t{
// NOLINTNEXTLINE(bugprone-macro-parentheses): expands to an enumerator declaration
#define SEPTUM_STATUS_ENUM(name, value, meaning) name = value,
    SEPTUM_STATUSES(SEPTUM_STATUS_ENUM)
#undef SEPTUM_STATUS_ENUM
};

[[nodiscard]] constexpr bool is_ok(Status status) { return status == Status::ok; }

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
