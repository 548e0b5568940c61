#include "vmx.hpp"

#include "cpu.hpp"
#include "entry_checks.hpp"
#include "layout.hpp"

namespace septum::arch::vmx {

namespace {

constexpr std::uint32_t cpuid1_ecx_vmx = 1u << 5;

// Allowed-1 settings are the high 32 bits of each control MSR (SDM A.3).
constexpr std::uint64_t allowed1(std::uint32_t control) { return std::uint64_t{control} << 32; }
constexpr std::uint64_t pin_preemption_timer = allowed1(vmcs::pin::preemption_timer);
constexpr std::uint64_t proc_secondary_controls = allowed1(vmcs::proc::secondary_controls);
constexpr std::uint64_t proc2_ept = allowed1(vmcs::proc2::enable_ept);
constexpr std::uint64_t proc2_vpid = allowed1(vmcs::proc2::enable_vpid);
constexpr std::uint64_t proc2_unrestricted_guest = allowed1(vmcs::proc2::unrestricted_guest);
constexpr std::uint64_t basic_revision_mask = 0x7fffffff;

alignas(4096) std::uint8_t vmxon_region[4096];

// VMX instructions report through RFLAGS (SDM Vol. 3 31.2): CF=1 is
// VMfailInvalid, ZF=1 is VMfailValid.
InstrStatus status_from(bool cf, bool zf) {
    if (cf) {
        return InstrStatus::fail_invalid;
    }
    return zf ? InstrStatus::fail_valid : InstrStatus::ok;
}

}  // namespace

bool cpu_has_vmx() { return (cpuid(1).ecx & cpuid1_ecx_vmx) != 0; }

FeatureControl enable_feature_control(std::uint64_t& value_out) {
    std::uint64_t v = rdmsr(Msr::feature_control);
    if ((v & feature_control::lock) != 0) {
        value_out = v;
        return (v & feature_control::vmx_outside_smx) != 0 ? FeatureControl::enabled : FeatureControl::disabled_locked;
    }
    v |= feature_control::vmx_outside_smx | feature_control::lock;
    wrmsr(Msr::feature_control, v);
    value_out = rdmsr(Msr::feature_control);
    return FeatureControl::enabled_by_us;
}

bool apply_fixed_bits(std::uint64_t& cr0_out, std::uint64_t& cr4_out) {
    const std::uint64_t cr0_fixed0 = rdmsr(Msr::vmx_cr0_fixed0);
    const std::uint64_t cr0_fixed1 = rdmsr(Msr::vmx_cr0_fixed1);
    const std::uint64_t cr4_fixed0 = rdmsr(Msr::vmx_cr4_fixed0);
    const std::uint64_t cr4_fixed1 = rdmsr(Msr::vmx_cr4_fixed1);
    const std::uint64_t cr0 = (read_cr0() | cr0_fixed0) & cr0_fixed1;
    const std::uint64_t cr4 = (read_cr4() | cr4::vmxe | cr4_fixed0) & cr4_fixed1;
    // A fixed-0 bit outside fixed-1 would be contradictory MSRs; and VMXE
    // must survive the mask.
    if ((cr0 & cr0_fixed0) != cr0_fixed0 || (cr4 & cr4_fixed0) != cr4_fixed0 || (cr4 & cr4::vmxe) == 0) {
        return false;
    }
    write_cr0(cr0);
    write_cr4(cr4);
    cr0_out = read_cr0();
    cr4_out = read_cr4();
    return true;
}

Capabilities capabilities() {
    const std::uint64_t basic = rdmsr(Msr::vmx_basic);
    const std::uint64_t pin = rdmsr(Msr::vmx_pinbased_ctls);
    const std::uint64_t proc = rdmsr(Msr::vmx_procbased_ctls);
    const std::uint64_t proc2 = (proc & proc_secondary_controls) != 0 ? rdmsr(Msr::vmx_procbased_ctls2) : 0;
    return Capabilities{
        static_cast<std::uint32_t>(basic & basic_revision_mask),
        (proc2 & proc2_ept) != 0,
        (proc2 & proc2_vpid) != 0,
        (proc2 & proc2_unrestricted_guest) != 0,
        (pin & pin_preemption_timer) != 0,
    };
}

OnOffResult vmxon_then_vmxoff(std::uint32_t revision) {
    OnOffResult r{InstrStatus::fail_invalid, InstrStatus::fail_invalid, image_to_phys(vmxon_region)};
    *reinterpret_cast<volatile std::uint32_t*>(vmxon_region) = revision;
    bool cf = false, zf = false;
    asm volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(r.region_phys) : "cc", "memory");
    r.vmxon = status_from(cf, zf);
    if (r.vmxon == InstrStatus::ok) {
        asm volatile("vmxoff; setc %0; setz %1" : "=qm"(cf), "=qm"(zf)::"cc", "memory");
        r.vmxoff = status_from(cf, zf);
    }
    if (r.vmxoff == InstrStatus::ok || r.vmxon != InstrStatus::ok) {
        write_cr4(read_cr4() & ~cr4::vmxe);
    }
    return r;
}

namespace {
std::uint32_t vmcs_revision = 0;
constexpr std::uint64_t basic_true_controls = std::uint64_t{1} << 55;
}  // namespace

bool turn_on() {
    if (!cpu_has_vmx()) {
        return false;
    }
    std::uint64_t fc = 0, cr0 = 0, cr4 = 0;
    if (enable_feature_control(fc) == FeatureControl::disabled_locked || !apply_fixed_bits(cr0, cr4)) {
        return false;
    }
    const Capabilities caps = capabilities();
    if (!caps.ept || !caps.vpid || !caps.unrestricted_guest) {
        write_cr4(read_cr4() & ~cr4::vmxe);
        return false;
    }
    *reinterpret_cast<volatile std::uint32_t*>(vmxon_region) = caps.revision;
    const std::uint64_t phys = image_to_phys(vmxon_region);
    bool cf = false, zf = false;
    asm volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(phys) : "cc", "memory");
    if (status_from(cf, zf) != InstrStatus::ok) {
        write_cr4(read_cr4() & ~cr4::vmxe);
        return false;
    }
    vmcs_revision = caps.revision;
    vmx_active = true;
    return true;
}

bool is_on() { return vmx_active; }
std::uint32_t revision() { return vmcs_revision; }

ControlLimits control_limits(std::uint32_t which_msr) {
    // With IA32_VMX_BASIC[55] the TRUE_* MSRs (0x48d-0x490) describe the
    // pin, proc, exit and entry controls more precisely.
    std::uint32_t msr = which_msr;
    const bool true_msrs = (rdmsr(Msr::vmx_basic) & basic_true_controls) != 0;
    if (true_msrs && msr >= 0x481 && msr <= 0x484) {
        msr += 0xc;
    }
    const std::uint64_t value = rdmsr(static_cast<Msr>(msr));
    return ControlLimits{static_cast<std::uint32_t>(value), static_cast<std::uint32_t>(value >> 32)};
}

bool adjust_controls(std::uint32_t which_msr, std::uint32_t desired, std::uint32_t& out) {
    const ControlLimits limits = control_limits(which_msr);
    return adjust_control(desired, limits.allowed0, limits.allowed1, out);
}

FixedBits fixed_bits() {
    return FixedBits{rdmsr(Msr::vmx_cr0_fixed0), rdmsr(Msr::vmx_cr0_fixed1), rdmsr(Msr::vmx_cr4_fixed0),
                     rdmsr(Msr::vmx_cr4_fixed1)};
}

const char* to_string(InstrStatus s) {
    switch (s) {
        case InstrStatus::ok:
            return "ok";
        case InstrStatus::fail_invalid:
            return "VMfailInvalid";
        case InstrStatus::fail_valid:
            return "VMfailValid";
    }
    return "?";
}

}  // namespace septum::arch::vmx
