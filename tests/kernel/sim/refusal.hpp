// A GoogleTest fixture for "decode, then invoke" (kernel/src/invocation.hpp)
// on a SimSystem: set up state with calls that succeed, then check that a
// malformed invocation is refused with the status user space has always
// seen and changes nothing in the kernel but the caller's result registers.
// For the host tests only (it needs GoogleTest; the fuzzer links sim/
// without it).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>

#include "septum/abi/invocation.hpp"
#include "sim_system.hpp"

namespace septum::kernel::sim {

class RefusalTest : public ::testing::Test {
protected:
    RefusalTest() = default;
    explicit RefusalTest(std::uint64_t memory_bytes) : sys(memory_bytes) {}

    void TearDown() override;

    Tcb& running() { return *sys.kernel().schedule(); }

    // The running thread's call of `op` on `cptr` with exactly `words`.
    Status call(std::uint64_t cptr, abi::Invocation op, std::initializer_list<std::uint64_t> words);
    // A call that succeeds (setting up the state a refusal is tried in).
    void ok(std::uint64_t cptr, abi::Invocation op, std::initializer_list<std::uint64_t> words) {
        ASSERT_EQ(call(cptr, op, words), Status::ok);
    }
    // Retypes one object of `kind` from the system's Untyped into a root
    // CNode slot.
    void retype(caps::ObjectKind kind, std::uint64_t slot);

    // Plays the running thread invoking `cptr` with `length` words (the
    // rest of `words` is sent but not counted), as SimSystem::syscall does,
    // and returns the status. Expects that the whole simulated memory and
    // the kernel's own state are as before, apart from the caller's
    // registers, which carry the result.
    Status refused(std::uint64_t cptr, abi::Invocation op, std::uint8_t length,
                   std::initializer_list<std::uint64_t> words = {});

    SimSystem sys;
};

}  // namespace septum::kernel::sim
