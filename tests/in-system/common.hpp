// Helpers shared by the test groups: badged objects, a thread that probes
// memory (and faults) on request, and fault replies.
#pragma once

#include <cstddef>
#include <cstdint>

#include "env.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/user/cpu.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/syscall.hpp"
#include "sites.hpp"

namespace septum::roottask {

// An object and a second capability to it, minted with a badge.
struct Badged {
    CPtr object = 0;
    CPtr badged = 0;
};
Status make_badged(Env& env, caps::ObjectKind kind, std::uint64_t badge, Badged& out);

// What a probing thread does; it then sends (probe_done_label, result) on
// its report endpoint, which is also its fault endpoint.
enum class ProbeOp : std::uint8_t { read, write, exec, ud2 };
inline constexpr std::uint64_t probe_done_label = 100;

struct ProbeRun {
    ProbeOp op = ProbeOp::read;
    std::uint64_t address = 0;
    std::uint64_t value = 0;
    CPtr endpoint = 0;  // faults and the final report arrive here
    user::Thread thread;
};

// Makes the endpoint and starts the thread (at `priority`, below the root
// task's, so it runs when the root task waits). The caller then receives
// on run.endpoint.
Status start_probe(Env& env, ProbeRun& run, ProbeOp op, std::uint64_t address, std::uint64_t value,
                   std::uint8_t priority = 100);

// Lets every ready thread above `priority` run until it blocks: a thread
// at `priority` signals a notification the root task waits on.
Status settle(Env& env, std::uint8_t priority = 1);

// A fault reply: resume (at rip, when not 0) or, with label != 0, leave stopped.
user::Message fault_reply(std::uint64_t rip, std::uint64_t label = abi::fault_reply_resume);

inline std::uint64_t fault_label(abi::Fault f) { return static_cast<std::uint64_t>(f); }

// One error path: what was tried, the status it returned, the one wanted.
struct ErrorCase {
    const char* what;
    Status got;
    Status want;
};

// The first case that returned another status than wanted, or nullptr.
template <std::size_t n>
const ErrorCase* first_mismatch(const ErrorCase (&cases)[n]) {
    for (std::size_t i = 0; i < n; ++i) {
        if (cases[i].got != cases[i].want) {
            return &cases[i];
        }
    }
    return nullptr;
}

// One check for a list of error paths: PASS naming them all, or FAIL at
// the first that returned something else.
template <std::size_t n>
bool check_cases(Env& env, const char* name, const ErrorCase (&cases)[n]) {
    for (std::size_t i = 0; i < n; ++i) {
        if (cases[i].got != cases[i].want) {
            return env.report->check(false, name, "{}: got {}, want {}", cases[i].what, user::status_name(cases[i].got),
                                     user::status_name(cases[i].want));
        }
    }
    return env.report->check(true, name, "{} error paths, each with its status", n);
}

// Page-fault error code bits (SDM Vol. 3 4.7).
inline constexpr std::uint64_t pf_present = 1, pf_write = 2, pf_user = 4, pf_fetch = 0x10;

// Exit round trips with a bare VMM loop (tests/vmx.cpp), against which the
// VMM server's figures are split (tests/cell.cpp); 0 until measured.
struct BareExitFigures {
    std::uint64_t cpuid = 0;
    std::uint64_t io = 0;
};
extern BareExitFigures bare_exits;

using user::cpu_has_vmx;
using user::rdtsc;

// Checks that need VT-x: reports check `name` as SKIP and returns true on a
// CPU without it.
bool skip_without_vmx(Env& env, const char* name);

}  // namespace septum::roottask
