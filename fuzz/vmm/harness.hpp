// The exit fuzzers' common driver. An input is
//
//   byte      the environment (machine.cpp): host CPUID from the input,
//             the unclaimed-access and exception policies
//   byte      the state's form: real, virtual-8086, 16-bit, 32-bit flat,
//             32-bit paging, PAE, long mode (mostly valid state built from
//             the following bytes, rarely corrupted), or 7: a recorded exit
//             in the layout of vmm/record.hpp
//   ...       registers, instruction bytes, patches of guest RAM, pending
//             interrupts, then the exit's fields (the family's builder)
//   ...       up to 7 further exits of the family, each after a few
//             register changes (the guest ran on in between)
//   ...       whatever is left answers the handlers' callbacks
//
// After every exit the oracles run (oracles.cpp, and the device models'
// in machine.cpp); a violation aborts.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/vmm/outcome.hpp>

#include <cstddef>
#include <cstdint>

#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {

struct Family {
    const char* name;
    // The reasons the family covers; a recorded exit of another reason is
    // given the first.
    const std::uint32_t* reasons;
    std::size_t reason_count;
    // Fills the exit's fields (reason included) and may adjust the state
    // (the registers the instruction uses, its bytes).
    void (*build)(Source& source, Machine& m, abi::ExitInfo& exit);
    // What the family's handlers may touch.
    bool memory;
    bool ports;
    bool mmio;
    // A family's own oracle, after the common ones; may be null.
    void (*check)(const Machine& m, const abi::ExitInfo& exit, const abi::VcpuState& before,
                  const vmm::Outcome& outcome);
};

// Runs one input against `family`; always returns 0 (libFuzzer's contract).
int run(const std::uint8_t* data, std::size_t size, const Family& family);

// Builds the VCPU state and guest RAM from the input; true for a recorded
// exit (whose ExitInfo is already in the page).
bool build_state(Source& source, Machine& m);

// An event as the processor reports it in the exit's interruption or
// IDT-vectoring information (SDM Vol. 3C 25.9.2, 25.9.3); rarely any value
// (which makes the machine implausible).
std::uint32_t event_info(Source& source, Machine& m);

// Whether the kernel's entry checks would let event `info` be injected into
// a guest with `cr0` (an exit's event fields are in the same format).
bool deliverable(std::uint32_t info, std::uint64_t cr0);
// Whether the kernel would enter a guest with all of `state`.
bool enterable(const abi::VcpuState& state);

// Common oracles, after every exit.
void check_exit(const Machine& m, const Family& family, const abi::VcpuState& before, const vmm::Outcome& outcome);

}  // namespace septum::fuzz
