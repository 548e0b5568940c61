// The IDT, exception reporting and interrupt dispatch.
#pragma once

#include <cstdint>

#include "septum/abi/x86.hpp"

namespace septum::arch {

// Saved by isr.S; the order matches its pushes (last pushed first).
struct InterruptFrame {
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    std::uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    std::uint64_t vector, error_code;
    std::uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};

// Exception vectors (SDM Vol. 3 Table 6-1), named once in abi/x86.hpp.
using Exception = abi::x86::Vector;

inline constexpr unsigned exception_count = 32;
inline constexpr std::uint8_t spurious_vector = 0xff;

using InterruptHandler = void (*)(InterruptFrame&);

void idt_init();
void set_interrupt_handler(std::uint8_t vector, InterruptHandler handler);

// A fault the kernel provokes on purpose in a self-test. While armed, an
// exception with this vector records itself here and resumes at `resume`
// (or, when resume is 0, where the CPU would return: after a trap).
struct FaultProbe {
    std::uint8_t vector = 0;
    std::uint64_t resume = 0;
    bool hit = false;
    std::uint64_t error_code = 0;
    std::uint64_t cr2 = 0;
};

void arm_fault_probe(FaultProbe* probe);  // nullptr disarms

// Where the IDT is, for the VMCS host-state area.
std::uint64_t idt_base();

// Runs the handler of an interrupt the CPU acknowledged on a VM exit (the
// "acknowledge interrupt on exit" control hands over the vector instead of
// delivering it through the IDT).
void run_handler(std::uint8_t vector);

const char* exception_mnemonic(unsigned vector);

}  // namespace septum::arch

namespace septum::kernel {
// An exception or interrupt that arrived in user mode, after any device
// handler ran: the kernel saves the thread's registers and decides.
[[noreturn]] void user_trap(arch::InterruptFrame& frame);
}  // namespace septum::kernel
