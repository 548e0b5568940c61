#include <septum/vmm/cpuid.hpp>
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
// IA32_MTRRCAP: no variable ranges, no fixed ranges, no write combining, so
// MTRRdefType is the only MTRR (SDM Vol. 3A 13.11.2.1).
constexpr std::uint64_t mtrr_cap_value = 0;

constexpr std::uint64_t efer_writable = x86::efer::sce | x86::efer::lme | x86::efer::nxe;

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
    const CpuidRegs ext = ctx.cpuid.query(0x80000001, 0, 0);
    std::uint64_t supported = 0;
    supported |= (ext.edx & (1u << 11)) != 0 ? x86::efer::sce : 0;
    supported |= (ext.edx & (1u << 20)) != 0 ? x86::efer::nxe : 0;
    supported |= (ext.edx & (1u << 29)) != 0 ? x86::efer::lme : 0;
    // LMA is the processor's, not the guest's: a written LMA is ignored.
    value &= ~x86::efer::lma;
    if ((value & ~(efer_writable & supported)) != 0) {
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

Status store_canonical(MsrState& msrs, std::uint64_t& slot, std::uint64_t value) {
    if (!x86::canonical(value)) {
        return Status::invalid_argument;
    }
    slot = value;
    msrs.changed = true;
    return Status::ok;
}

}  // namespace

Result<std::uint64_t> read_msr(const MsrContext& ctx, const Vcpu& vcpu, std::uint32_t index) {
    const MsrState& m = ctx.msrs;
    const abi::VcpuState& s = vcpu.state();
    switch (static_cast<Msr>(index)) {
        case Msr::feature_control:  // the host's VT-x and its limits: never a guest's
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
            return Status::invalid_argument;
        case Msr::tsc:
            return ctx.clock.tsc();
        case Msr::apic_base:
            return apic_base_value;
        case Msr::mtrr_cap:
            return mtrr_cap_value;
        case Msr::misc_enable:
            return misc_enable_value;
        case Msr::sysenter_cs:
            return m.sysenter_cs;
        case Msr::sysenter_esp:
            return m.sysenter_esp;
        case Msr::sysenter_eip:
            return m.sysenter_eip;
        case Msr::pat:
            return m.pat;
        case Msr::mtrr_def_type:
            return m.mtrr_def_type;
        case Msr::efer:
            return s.efer;
        case Msr::star:
            return m.star;
        case Msr::lstar:
            return m.lstar;
        case Msr::cstar:
            return m.cstar;
        case Msr::sfmask:
            return m.sfmask;
        case Msr::fs_base:
            return s.fs.base;
        case Msr::gs_base:
            return s.gs.base;
        case Msr::kernel_gs_base:
            return m.kernel_gs_base;
    }
    return Status::invalid_argument;
}

Status write_msr(const MsrContext& ctx, Vcpu& vcpu, std::uint32_t index, std::uint64_t value) {
    MsrState& m = ctx.msrs;
    switch (static_cast<Msr>(index)) {
        case Msr::feature_control:  // the host's VT-x and its limits: never a guest's
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
        case Msr::tsc:  // read-only here: the TSC is the host's
        case Msr::mtrr_cap:
        case Msr::misc_enable:
            return Status::invalid_argument;
        case Msr::apic_base:  // read-only; rewriting the same value is harmless
            return value == apic_base_value ? Status::ok : Status::invalid_argument;
        case Msr::sysenter_cs:
            if ((value >> 32) != 0) {  // a selector in bits 15:0; bits 63:32 reserved
                return Status::invalid_argument;
            }
            m.sysenter_cs = value;
            m.changed = true;
            return Status::ok;
        case Msr::sysenter_esp:
            return store_canonical(m, m.sysenter_esp, value);
        case Msr::sysenter_eip:
            return store_canonical(m, m.sysenter_eip, value);
        case Msr::pat:
            if (!x86::pat::valid(value)) {
                return Status::invalid_argument;
            }
            m.pat = value;
            m.changed = true;
            return Status::ok;
        case Msr::mtrr_def_type:
            if (!valid_mtrr_def_type(value)) {
                return Status::invalid_argument;
            }
            m.mtrr_def_type = value;
            return Status::ok;
        case Msr::efer:
            return write_efer(ctx, vcpu, value);
        case Msr::star:
            m.star = value;
            m.changed = true;
            return Status::ok;
        case Msr::lstar:
            return store_canonical(m, m.lstar, value);
        case Msr::cstar:
            return store_canonical(m, m.cstar, value);
        case Msr::sfmask:
            if ((value >> 32) != 0) {  // bits 63:32 reserved
                return Status::invalid_argument;
            }
            m.sfmask = value;
            m.changed = true;
            return Status::ok;
        case Msr::fs_base:
        case Msr::gs_base:
            if (!x86::canonical(value)) {
                return Status::invalid_argument;
            }
            if (static_cast<Msr>(index) == Msr::fs_base) {
                vcpu.edit(abi::vcpu_state::segments).fs.base = value;
            } else {
                vcpu.edit(abi::vcpu_state::segments).gs.base = value;
            }
            return Status::ok;
        case Msr::kernel_gs_base:
            return store_canonical(m, m.kernel_gs_base, value);
    }
    return Status::invalid_argument;
}

abi::GuestMsrs hardware_msrs(const MsrState& m) {
    return abi::GuestMsrs{m.sysenter_cs, m.sysenter_esp, m.sysenter_eip, m.pat,           m.star,
                          m.lstar,       m.cstar,        m.sfmask,       m.kernel_gs_base};
}

void take_hardware_msrs(MsrState& m, const abi::GuestMsrs& stored) { m.kernel_gs_base = stored.kernel_gs_base; }

}  // namespace septum::vmm
