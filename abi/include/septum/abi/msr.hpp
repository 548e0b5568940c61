// Model-specific register numbers (Intel SDM Vol. 4, Table 2-2), once for
// the kernel (which runs with some and hands the guest's to the CPU) and
// the VMM (whose allow list answers a guest's RDMSR and WRMSR).
#pragma once

#include <cstdint>

namespace septum::abi {

enum class Msr : std::uint32_t {
    tsc = 0x10,
    apic_base = 0x1b,        // IA32_APIC_BASE
    feature_control = 0x3a,  // IA32_FEATURE_CONTROL
    tsc_adjust = 0x3b,       // IA32_TSC_ADJUST
    mtrr_cap = 0xfe,
    sysenter_cs = 0x174,
    sysenter_esp = 0x175,
    sysenter_eip = 0x176,
    misc_enable = 0x1a0,
    pat = 0x277,           // IA32_PAT
    tsc_deadline = 0x6e0,  // IA32_TSC_DEADLINE
    mtrr_def_type = 0x2ff,
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
    efer = 0xc0000080,            // IA32_EFER
    star = 0xc0000081,            // SYSCALL/SYSRET segments
    lstar = 0xc0000082,           // SYSCALL entry point (64-bit)
    cstar = 0xc0000083,           // SYSCALL entry point (compatibility mode)
    sfmask = 0xc0000084,          // RFLAGS bits SYSCALL clears
    fs_base = 0xc0000100,
    gs_base = 0xc0000101,
    kernel_gs_base = 0xc0000102,  // the GS base SWAPGS swaps in
};

}  // namespace septum::abi
