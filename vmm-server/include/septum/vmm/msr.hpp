// The MSRs a guest may use, kept in the VMM's per-guest state. An allow
// list: an MSR not named here injects #GP on RDMSR and WRMSR. Values are
// checked as the SDM checks them (Vol. 4, Table 2-2), so a value the guest
// could not have written on hardware is refused the same way.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/abi/x86.hpp>
#include <septum/caps/status.hpp>

#include <cstdint>

namespace septum::vmm {

class Vcpu;
class CpuidPolicy;
class LocalApic;

// The guest's MSRs the VMM keeps. Every RDMSR and WRMSR exits, so these
// are the guest's values; those the CPU uses without an exit go to the
// hardware through abi::VcpuState::msrs (hardware_msrs) whenever `changed`
// says the hardware copy is stale. MTRR_DEF_TYPE stays here only.
struct MsrState {
    std::uint64_t pat = abi::x86::pat::power_on;
    std::uint64_t sysenter_cs = 0;
    std::uint64_t sysenter_esp = 0;
    std::uint64_t sysenter_eip = 0;
    std::uint64_t star = 0;
    std::uint64_t lstar = 0;
    std::uint64_t cstar = 0;
    std::uint64_t sfmask = 0;
    std::uint64_t kernel_gs_base = 0;
    std::uint64_t mtrr_def_type = 0;
    bool changed = false;
};

// What a guest's RDTSC and RDMSR of the TSC return: the host's TSC in the
// VMM, a counter in tests.
class Clock {
public:
    [[nodiscard]] virtual std::uint64_t tsc() const = 0;

protected:
    Clock() = default;
    Clock(const Clock&) = default;
    Clock& operator=(const Clock&) = default;
    ~Clock() = default;
};

struct MsrContext {
    MsrState& msrs;
    const Clock& clock;
    const CpuidPolicy& cpuid;
    // The guest's local APIC: IA32_APIC_BASE, IA32_TSC_DEADLINE and the
    // x2APIC MSRs 0x800-0x8FF are its. Without one, APIC_BASE reads as a
    // disabled APIC and the others are #GP.
    LocalApic* apic = nullptr;
};

// The value of MSR `index`, or invalid_argument (the caller injects #GP).
Result<std::uint64_t> read_msr(const MsrContext& ctx, const Vcpu& vcpu, std::uint32_t index);
// Writes MSR `index`; invalid_argument for an MSR outside the list, a
// read-only one or a reserved value (the caller injects #GP).
Status write_msr(const MsrContext& ctx, Vcpu& vcpu, std::uint32_t index, std::uint64_t value);

// The values the CPU needs, for the run's state (abi::vcpu_state::msrs).
abi::GuestMsrs hardware_msrs(const MsrState& m);
// Takes in what the guest changed without an exit: SWAPGS exchanges GS's
// base and KERNEL_GS_BASE, so the stored value is the current one.
void take_hardware_msrs(MsrState& m, const abi::GuestMsrs& stored);

}  // namespace septum::vmm
