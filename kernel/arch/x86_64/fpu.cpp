#include "fpu.hpp"

#include "cpu.hpp"

namespace septum::arch::fpu {

namespace {

constexpr std::uint32_t cpuid1_ecx_xsave = 1u << 26;

// XCR0 is not part of the VMCS: a guest's XSAVE and XRSTOR use the value
// in the CPU. Guests may enable x87 and SSE only (the VMM's XSETBV policy,
// abi::x86::xcr0), so the CPU holds exactly those two for everybody; left
// at its power-on value (x87 alone), a guest's XSAVE would silently drop
// its SSE state and Linux's user space would come back from a signal or
// a context switch with other XMM registers. Without XSAVE the VMM offers
// none (its CPUID policy copies the machine's leaf 1).
void enable_xsave() {
    if ((cpuid(1).ecx & cpuid1_ecx_xsave) == 0) {
        return;
    }
    write_cr4(read_cr4() | cr4::osxsave);
    constexpr std::uint64_t xcr0 = abi::x86::xcr0::x87 | abi::x86::xcr0::sse;
    asm volatile("xsetbv" ::"c"(0), "a"(static_cast<std::uint32_t>(xcr0)), "d"(static_cast<std::uint32_t>(xcr0 >> 32)));
}

}  // namespace

void init() {
    write_cr0((read_cr0() | cr0::mp) & ~cr0::em);
    write_cr4(read_cr4() | cr4::osfxsr | cr4::osxmmexcpt);
    enable_xsave();
    // Start from a clean state: the first thread's restore is then exact.
    asm volatile("fninit" ::: "memory");
}

}  // namespace septum::arch::fpu
