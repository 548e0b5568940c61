// The boot checks that are specific to x86_64: long mode, exceptions, the
// local APIC timer and VMX.
#pragma once

#include "test_report.hpp"

namespace septum::arch {

void run_self_tests(TestReport& report);

// Turns the processor's virtualization extensions on for guests, where it
// has them (VT-x), and reports it (vmx.on); without them VCPUs exist but
// do not run.
void start_virtualization(TestReport& report);

// Provokes an unexpected kernel page fault at a known address, so that the
// boot tests can check the exception report end to end.
[[noreturn]] void provoke_page_fault();

inline constexpr std::uint64_t provoked_fault_address = 0xdead000;

// Loads an empty IDT and raises an exception: the CPU cannot deliver it,
// nor the double fault that follows, and shuts down (a triple fault).
[[noreturn]] void provoke_triple_fault();

}  // namespace septum::arch
