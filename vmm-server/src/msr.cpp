#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/local_apic.hpp>
#include <septum/vmm/msr.hpp>
#include <septum/vmm/vcpu.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

using x86::Msr;

// IA32_APIC_BASE as a BSP whose local APIC is at its default address and
// disabled: CPUID shows no APIC yet (SDM Vol. 3A 10.4.4).
constexpr std::uint64_t apic_base_value = 0xfee00000 | (1u << 8);
// IA32_MISC_ENABLE: fast strings on; BTS and PEBS unavailable (bits 11, 12).
constexpr std::uint64_t misc_enable_value = (1u << 0) | (1u << 11) | (1u << 12);
// IA32_TSC_ADJUST: the guest's TSC is the host's and cannot be written, so
// nothing adjusts it: it stays 0, and only 0 may be written back (SDM Vol.
// 3B 18.17.3 would add any other value to the TSC).
constexpr std::uint64_t tsc_adjust_value = 0;
// IA32_MTRRCAP: no variable ranges, no fixed ranges, no write combining, so
// MTRRdefType is the only MTRR (SDM Vol. 3A 13.11.2.1).
constexpr std::uint64_t mtrr_cap_value = 0;

// MTRRdefType: a memory type MTRRs accept (UC, WC, WT, WP, WB: not UC-)
// in bits 7:0 and the enable bit 11; FE (bit 10) needs fixed ranges,
// which MTRRCAP shows none of (SDM Vol. 3A 13.11.2.1).
bool valid_mtrr_def_type(std::uint64_t value) {
    using x86::MemoryType;
    const auto type = static_cast<MemoryType>(value & 0xff);
    const bool type_ok = type == MemoryType::uc || type == MemoryType::wc || type == MemoryType::wt ||
                         type == MemoryType::wp || type == MemoryType::wb;
    return type_ok && (value & ~std::uint64_t{0x8ff}) == 0;
}

Status write_efer(const MsrContext& ctx, Vcpu& vcpu, std::uint64_t value) {
    // LMA is the processor's, not the guest's: a written LMA is ignored.
    value &= ~x86::efer::lma;
    if ((value & ~ctx.cpuid.supported_efer()) != 0) {
        return Status::invalid_argument;
    }
    const abi::VcpuState& s = vcpu.state();
    // LME cannot change while paging is on (SDM Vol. 3A 10.8.5).
    if ((s.cr0 & x86::cr0::pg) != 0 && ((s.efer ^ value) & x86::efer::lme) != 0) {
        return Status::invalid_argument;
    }
    auto& state = vcpu.edit(abi::vcpu_state::control);
    state.efer = value | (s.efer & x86::efer::lma);
    return Status::ok;
}

// Where a guest's MSR lives.
enum class Place : std::uint8_t {
    host_only,  // the host's VT-x and its limits: never a guest's, #GP both ways
    clock,      // the TSC: the clock's
    constant,   // a value this VMM shows
    kept,       // a field of MsrState
    efer,       // the VCPU's EFER
    fs_base,    // the segment state's FS base
    gs_base,    // the segment state's GS base
};

// What a WRMSR of it must satisfy (SDM Vol. 4, Table 2-2).
enum class Check : std::uint8_t {
    read_only,   // none: #GP
    same_value,  // the value it has, which is harmless to rewrite
    any,
    low32,  // bits 63:32 reserved
    canonical,
    pat,
    mtrr_def_type,
    efer,  // write_efer's checks
};

struct Rule {
    Place place;
    Check check;
    std::uint64_t MsrState::*field = nullptr;  // Place::kept
    std::uint64_t constant = 0;                // Place::constant
    bool hardware = false;                     // the CPU uses it without an exit: a write makes MsrState::changed
};

constexpr Rule constant(std::uint64_t value, Check check) { return Rule{Place::constant, check, nullptr, value}; }
constexpr Rule kept(std::uint64_t MsrState::*field, Check check) { return Rule{Place::kept, check, field, 0, true}; }

// The one decision per MSR for RDMSR and WRMSR both: exhaustive on
// purpose, so that a new abi::Msr cannot compile without one.
constexpr Rule rule(Msr msr) {
    switch (msr) {
        case Msr::feature_control:
        case Msr::vmx_basic:
        case Msr::vmx_pinbased_ctls:
        case Msr::vmx_procbased_ctls:
        case Msr::vmx_exit_ctls:
        case Msr::vmx_entry_ctls:
        case Msr::vmx_misc:
        case Msr::vmx_cr0_fixed0:
        case Msr::vmx_cr0_fixed1:
        case Msr::vmx_cr4_fixed0:
        case Msr::vmx_cr4_fixed1:
        case Msr::vmx_procbased_ctls2:
        case Msr::tsc_deadline:  // without a local APIC the guest's CPUID does not offer it (see apic_msr)
            return Rule{Place::host_only, Check::read_only};
        case Msr::tsc:  // the host's: read-only here
            return Rule{Place::clock, Check::read_only};
        case Msr::apic_base:
            return constant(apic_base_value, Check::same_value);
        case Msr::tsc_adjust:  // only where CPUID shows it (listed)
            return constant(tsc_adjust_value, Check::same_value);
        case Msr::mtrr_cap:
            return constant(mtrr_cap_value, Check::read_only);
        case Msr::misc_enable:
            return constant(misc_enable_value, Check::read_only);
        case Msr::sysenter_cs:  // a selector in bits 15:0
            return kept(&MsrState::sysenter_cs, Check::low32);
        case Msr::sysenter_esp:
            return kept(&MsrState::sysenter_esp, Check::canonical);
        case Msr::sysenter_eip:
            return kept(&MsrState::sysenter_eip, Check::canonical);
        case Msr::pat:
            return kept(&MsrState::pat, Check::pat);
        case Msr::mtrr_def_type:  // the VMM's alone: the CPU never sees it
            return Rule{Place::kept, Check::mtrr_def_type, &MsrState::mtrr_def_type};
        case Msr::efer:
            return Rule{Place::efer, Check::efer};
        case Msr::star:
            return kept(&MsrState::star, Check::any);
        case Msr::lstar:
            return kept(&MsrState::lstar, Check::canonical);
        case Msr::cstar:
            return kept(&MsrState::cstar, Check::canonical);
        case Msr::sfmask:
            return kept(&MsrState::sfmask, Check::low32);
        case Msr::fs_base:
            return Rule{Place::fs_base, Check::canonical};
        case Msr::gs_base:
            return Rule{Place::gs_base, Check::canonical};
        case Msr::kernel_gs_base:
            return kept(&MsrState::kernel_gs_base, Check::canonical);
    }
    return Rule{Place::host_only, Check::read_only};  // outside the list
}

bool allowed(const Rule& r, std::uint64_t value) {
    switch (r.check) {
        case Check::read_only:
            return false;
        case Check::same_value:
            return value == r.constant;
        case Check::any:
        case Check::efer:
            return true;
        case Check::low32:
            return (value >> 32) == 0;
        case Check::canonical:
            return x86::canonical(value);
        case Check::pat:
            return x86::pat::valid(value);
        case Check::mtrr_def_type:
            return valid_mtrr_def_type(value);
    }
    return false;
}

// An MSR the guest's CPUID does not show: #GP both ways.
bool unlisted(const MsrContext& ctx, std::uint32_t index) {
    return index == static_cast<std::uint32_t>(Msr::tsc_adjust) && !ctx.cpuid.tsc_adjust();
}

bool apic_msr(const MsrContext& ctx, std::uint32_t index) {
    return ctx.apic != nullptr && (index == static_cast<std::uint32_t>(Msr::apic_base) ||
                                   index == static_cast<std::uint32_t>(Msr::tsc_deadline) ||
                                   (index >= LocalApic::first_x2apic_msr && index <= LocalApic::last_x2apic_msr));
}

// The local APIC's MSRs, when the guest has one (apic_msr).
Result<std::uint64_t> read_apic_msr(const LocalApic& apic, std::uint32_t index) {
    if (index == static_cast<std::uint32_t>(Msr::apic_base)) {
        return apic.base();
    }
    if (index == static_cast<std::uint32_t>(Msr::tsc_deadline)) {
        return apic.tsc_deadline();
    }
    return apic.read_x2apic(index);
}

Status write_apic_msr(LocalApic& apic, std::uint32_t index, std::uint64_t value) {
    if (index == static_cast<std::uint32_t>(Msr::apic_base)) {
        return apic.write_base(value);
    }
    if (index == static_cast<std::uint32_t>(Msr::tsc_deadline)) {
        apic.write_tsc_deadline(value);  // any value: a deadline in TSC ticks
        return Status::ok;
    }
    return apic.write_x2apic(index, value);
}

}  // namespace

Result<std::uint64_t> read_msr(const MsrContext& ctx, const Vcpu& vcpu, std::uint32_t index) {
    if (apic_msr(ctx, index)) {
        return read_apic_msr(*ctx.apic, index);
    }
    if (unlisted(ctx, index)) {
        return Status::invalid_argument;
    }
    const Rule r = rule(static_cast<Msr>(index));
    const abi::VcpuState& s = vcpu.state();
    switch (r.place) {
        case Place::host_only:
            return Status::invalid_argument;
        case Place::clock:
            return ctx.clock.tsc();
        case Place::constant:
            return r.constant;
        case Place::kept:
            return ctx.msrs.*r.field;
        case Place::efer:
            return s.efer;
        case Place::fs_base:
            return s.fs.base;
        case Place::gs_base:
            return s.gs.base;
    }
    return Status::invalid_argument;
}

Status write_msr(const MsrContext& ctx, Vcpu& vcpu, std::uint32_t index, std::uint64_t value) {
    if (apic_msr(ctx, index)) {
        return write_apic_msr(*ctx.apic, index, value);
    }
    if (unlisted(ctx, index)) {
        return Status::invalid_argument;
    }
    const Rule r = rule(static_cast<Msr>(index));
    if (!allowed(r, value)) {
        return Status::invalid_argument;
    }
    switch (r.place) {
        case Place::host_only:  // read-only: refused above
        case Place::clock:
            return Status::invalid_argument;
        case Place::constant:  // only the value it has passed the check
            return Status::ok;
        case Place::kept:
            ctx.msrs.*r.field = value;
            ctx.msrs.changed = ctx.msrs.changed || r.hardware;
            return Status::ok;
        case Place::efer:
            return write_efer(ctx, vcpu, value);
        case Place::fs_base:
            vcpu.edit(abi::vcpu_state::segments).fs.base = value;
            return Status::ok;
        case Place::gs_base:
            vcpu.edit(abi::vcpu_state::segments).gs.base = value;
            return Status::ok;
    }
    return Status::invalid_argument;
}

abi::GuestMsrs hardware_msrs(const MsrState& m) {
    return abi::GuestMsrs{m.sysenter_cs, m.sysenter_esp, m.sysenter_eip, m.pat,           m.star,
                          m.lstar,       m.cstar,        m.sfmask,       m.kernel_gs_base};
}

void take_hardware_msrs(MsrState& m, const abi::GuestMsrs& stored) { m.kernel_gs_base = stored.kernel_gs_base; }

}  // namespace septum::vmm
