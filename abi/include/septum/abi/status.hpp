// The one status enum of Septum: the error code of every syscall and
// invocation, and what every operation of the capability library returns.
// A value here is ABI: append new values, never renumber.
#pragma once

#include <cstdint>

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

}  // namespace septum
