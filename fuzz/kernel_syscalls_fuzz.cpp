// Random system call sequences against the kernel core on the simulated
// machine (kernel/arch/host), from the threads the real scheduler picks,
// with timer ticks, faults and interrupts mixed in. After every step the
// kernel invariants (tests/kernel/sim/invariants.cpp) must hold; a
// violation aborts, which libFuzzer reports as a crash. AddressSanitizer
// watches every access to simulated physical memory.
//
// Input: a sequence of 24-byte steps
//   byte 0      what: 0-7 a syscall (number = 1 + what), 8 timer tick,
//               9 user exception, 10 interrupt on a line, 11 thread switch
//   byte 1      capability address (a slot index; 255 means a wild address)
//   byte 2      label (an invocation, most of the time)
//   byte 3      message length
//   bytes 4-15  six 16-bit message words: small values are used as they
//               are (slot indices, kinds, counts); 0xffff takes bytes 16-23
//               as a raw 64-bit word instead
//   bytes 16-23 a raw word
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "interrupts.hpp"
#include "pic.hpp"
#include "sim/sim_system.hpp"

using namespace septum;
using namespace septum::kernel;

namespace {

constexpr std::size_t step_size = 24;
constexpr std::size_t max_steps = 64;

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::uint64_t word(const std::uint8_t* step, unsigned i) {
    const std::uint16_t w = static_cast<std::uint16_t>(step[4 + 2 * i] | step[5 + 2 * i] << 8);
    return w == 0xffff ? load64(step + 16) : w;
}

void run_step(sim::SimSystem& sys, const std::uint8_t* step) {
    Kernel& k = sys.kernel();
    Tcb* t = k.schedule();
    const unsigned what = step[0] % 12;
    if (what == 8) {
        arch::clock::sim::tsc += 1000;
        k.handle_time_event();
        return;
    }
    if (what == 10) {
        arch::raise(static_cast<std::uint8_t>(arch::pic::vector_base + step[1] % arch::pic::line_count));
        return;
    }
    if (t == nullptr) {
        return;  // every thread is blocked or stopped: only interrupts and ticks can change that
    }
    if (what == 9) {
        k.handle_user_exception(step[1] % 32, word(step, 0), word(step, 1));
        return;
    }
    if (what == 11) {
        k.scheduler.rotate(*t);
        return;
    }
    const std::uint64_t cptr = step[1] == 255 ? load64(step + 16) : step[1];
    const abi::MessageInfo info{step[2], static_cast<std::uint8_t>(step[3] % 8), 0};
    sys.syscall(*t, static_cast<abi::Syscall>(1 + what), cptr, info,
                {word(step, 0), word(step, 1), word(step, 2), word(step, 3), word(step, 4), word(step, 5)});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sim::SimSystem sys;
    for (std::size_t i = 0; i + step_size <= size && i / step_size < max_steps; i += step_size) {
        run_step(sys, data + i);
        const std::string violation = sim::check_kernel_invariants(sys);
        if (!violation.empty()) {
            std::fprintf(stderr, "kernel invariant violated after step %zu: %s\n", i / step_size, violation.c_str());
            std::abort();
        }
    }
    return 0;
}
