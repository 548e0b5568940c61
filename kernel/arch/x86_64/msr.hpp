// Model-specific registers the kernel uses (Intel SDM Vol. 4, chapter 2).
#pragma once

#include <cstdint>

namespace septum::arch {

enum class Msr : std::uint32_t {
    apic_base = 0x1b,            // IA32_APIC_BASE
    feature_control = 0x3a,      // IA32_FEATURE_CONTROL
    vmx_basic = 0x480,           // IA32_VMX_BASIC (SDM Vol. 3 A.1)
    vmx_pinbased_ctls = 0x481,   // A.3.1
    vmx_procbased_ctls = 0x482,  // A.3.2
    vmx_exit_ctls = 0x483,       // A.4
    vmx_entry_ctls = 0x484,      // A.5
    vmx_misc = 0x485,            // A.6
    vmx_cr0_fixed0 = 0x486,      // A.7
    vmx_cr0_fixed1 = 0x487,
    vmx_cr4_fixed0 = 0x488,  // A.8
    vmx_cr4_fixed1 = 0x489,
    vmx_procbased_ctls2 = 0x48b,  // A.3.3
    pat = 0x277,                  // IA32_PAT
    efer = 0xc0000080,            // IA32_EFER
    star = 0xc0000081,            // SYSCALL/SYSRET segments
    lstar = 0xc0000082,           // SYSCALL entry point (64-bit)
    cstar = 0xc0000083,           // SYSCALL entry point (compatibility mode)
    sfmask = 0xc0000084,          // RFLAGS bits SYSCALL clears
    kernel_gs_base = 0xc0000102,  // the GS base SWAPGS swaps in
};

// IA32_FEATURE_CONTROL bits (SDM Vol. 3 23.7).
namespace feature_control {
inline constexpr std::uint64_t lock = 1u << 0;
inline constexpr std::uint64_t vmx_outside_smx = 1u << 2;
}  // namespace feature_control

namespace efer {
inline constexpr std::uint64_t lma = 1u << 10;
}  // namespace efer

}  // namespace septum::arch
