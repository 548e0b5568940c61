// Bringing VMX up and down (SDM Vol. 3 chapter 24, "Introduction to VMX"
// 24.6-24.8, and Appendix A). For now the kernel checks that VMX can be
// entered; the VCPU object will keep it on.
#pragma once

#include <cstdint>

namespace septum::arch::vmx {

// CPUID.1:ECX.VMX[bit 5].
bool cpu_has_vmx();

enum class FeatureControl {
    enabled,          // locked with VMX outside SMX allowed (by firmware)
    enabled_by_us,    // was unlocked: the kernel enabled and locked it
    disabled_locked,  // firmware locked VMX off: it cannot be used
};
FeatureControl enable_feature_control(std::uint64_t& value_out);

// Sets CR4.VMXE and the CR0/CR4 bits IA32_VMX_CR{0,4}_FIXED{0,1} demand;
// false if a bit that must be 1 may not be set (or the reverse).
bool apply_fixed_bits(std::uint64_t& cr0_out, std::uint64_t& cr4_out);

struct Capabilities {
    std::uint32_t revision;
    bool ept;
    bool vpid;
    bool unrestricted_guest;
    bool preemption_timer;
};
Capabilities capabilities();

enum class InstrStatus { ok, fail_invalid, fail_valid };

// Executes VMXON on the kernel's VMXON region, then VMXOFF, then clears
// CR4.VMXE again.
struct OnOffResult {
    InstrStatus vmxon;
    InstrStatus vmxoff;
    std::uint64_t region_phys;
};
OnOffResult vmxon_then_vmxoff(std::uint32_t revision);

const char* to_string(InstrStatus s);

// Turns VMX on for good (after the boot checks): VMXON on the kernel's
// region, with EPT, VPID and unrestricted guest required. False (VMX left
// off) on a CPU without them.
bool turn_on();
[[nodiscard]] bool is_on();
[[nodiscard]] std::uint32_t revision();

// The bits of a VM-execution control that must be 1 (allowed0) and may be
// 1 (allowed1), from its capability MSR or, where IA32_VMX_BASIC[55] says
// so, its TRUE_* MSR (SDM Vol. 3 A.3-A.5).
struct ControlLimits {
    std::uint32_t allowed0, allowed1;
};
ControlLimits control_limits(std::uint32_t which_msr);

// A VM-execution control value: the desired bits, plus the bits the CPU
// requires, if the CPU allows all desired bits (SDM Vol. 3 A.3-A.5);
// false otherwise.
bool adjust_controls(std::uint32_t which_msr, std::uint32_t desired, std::uint32_t& out);

// The CR0 and CR4 bits VMX operation fixes (SDM Vol. 3 A.7, A.8).
struct FixedBits {
    std::uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};
FixedBits fixed_bits();

}  // namespace septum::arch::vmx
