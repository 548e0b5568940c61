// What the VMM does after an exit: every handler returns one of these, so an
// exit can never fall through unhandled.
#pragma once

#include <cstdint>

namespace septum::vmm {

enum class Action : std::uint8_t {
    resume,              // run the guest again (any event to inject is already set in VcpuState)
    wait_for_interrupt,  // the guest halted: wait for a virtual interrupt, then run again
    stop,                // the guest is finished or broken: do not run it again
    reset,               // the guest is back in its initial state: reload its image and run
};

// Why a guest stopped; a stop without a reason does not exist.
enum class StopReason : std::uint8_t {
    none,               // not stopped
    guest_request,      // debug-exit port or hypercall; Outcome::code is the guest's code
    unknown_exit,       // an exit reason the VMM does not know; code is the raw reason
    unhandled_exit,     // a known exit this VMM does not emulate; code is the basic reason
    entry_failure,      // VM entry failed (SDM Vol. 3C 27.8); code is the basic reason
    unclaimed_access,   // guest-physical access to neither RAM nor a device; code is the address
    emulation_failure,  // an MMIO instruction the emulator cannot decode or complete; code is the address
    exception,          // an exception exit under the stop policy; code is the interruption information
};

struct Outcome {
    Action action;
    StopReason reason;
    std::uint64_t code;

    static constexpr Outcome resume() { return {Action::resume, StopReason::none, 0}; }
    static constexpr Outcome wait() { return {Action::wait_for_interrupt, StopReason::none, 0}; }
    static constexpr Outcome reset() { return {Action::reset, StopReason::none, 0}; }
    static constexpr Outcome stop(StopReason why, std::uint64_t code) { return {Action::stop, why, code}; }

    friend constexpr bool operator==(const Outcome&, const Outcome&) = default;
};

}  // namespace septum::vmm
