// The VM-entry checks the kernel makes on guest state a VMM supplies (SDM
// Vol. 3 26.2.1.3, 26.3.1), before the CPU makes them, and the writes of
// the guest-state fields a mask names, and only those. Host state, the EPT
// pointer, the VPID and the execution controls are never written here; the
// kernel sets them once (vcpu.cpp).
//
// Portable: no instruction touches the machine. The VMCS is a parameter,
// so the kernel passes the real one (VMREAD/VMWRITE) and the host fuzzer
// (fuzz/kernel_entry_checks_fuzz.cpp) a fake that records every write; the
// VMM exit fuzzers check the state a VMM hands back with check_state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "apic_state.hpp"
#include "control_registers.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vmcs_fields.hpp"

namespace septum::arch::vmx {

class VmcsAccess {
public:
    virtual bool write(vmcs::Field field, std::uint64_t value) = 0;
    [[nodiscard]] virtual std::uint64_t read(vmcs::Field field) const = 0;

protected:
    VmcsAccess() = default;
    VmcsAccess(const VmcsAccess&) = default;
    VmcsAccess& operator=(const VmcsAccess&) = default;
    ~VmcsAccess() = default;
};

// What this processor fixes (SDM Vol. 3 A.5, A.7, A.8): CR0/CR4 bits that
// must be 1 (fixed0) and may be 1 (fixed1), and the VM-entry controls that
// must be 1 (allowed0) and may be 1 (allowed1).
struct EntryLimits {
    std::uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    std::uint32_t entry_allowed0, entry_allowed1;
};

// A VM-execution control value: the desired bits plus those the processor
// requires, if it allows every desired bit (SDM Vol. 3 A.3-A.5).
constexpr bool adjust_control(std::uint32_t desired, std::uint32_t allowed0, std::uint32_t allowed1,
                              std::uint32_t& out) {
    out = (desired | allowed0) & allowed1;
    return (out & desired) == desired;
}

namespace detail {

// RFLAGS: bit 1 is always 1; the reserved bits 0.
inline constexpr std::uint64_t rflags_fixed1 = abi::x86::rflags::fixed1;
inline constexpr std::uint64_t rflags_reserved = abi::x86::rflags::reserved;

// The checks of the rarer parts, out of line (entry_checks.cpp).
Status check_control(const abi::VcpuState& s, const EntryLimits& l);
Status check_injection(const abi::VcpuState& s, bool protected_mode);
Status check_msrs(const abi::GuestMsrs& m);
// The checks of control, interruptibility, injection and MSRs.
Status check_rest(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode);

}  // namespace detail

// Whether the parts of `s` in `mask` pass the kernel's entry checks;
// `protected_mode` is CR0.PE as the guest will run (the error-code rule
// of event injection depends on it); `apic` the VCPU's APIC
// virtualization (abi::apic_virt), which the apic part needs. Inline: the
// short exits supply only registers, whose check is two comparisons.
inline Status check_state(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode,
                          std::uint32_t apic = 0) {
    if ((mask & ~abi::vcpu_state::all) != 0) {
        return Status::invalid_argument;
    }
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0 &&
        ((s.rflags & detail::rflags_reserved) != 0 || (s.rflags & detail::rflags_fixed1) == 0)) {
        return Status::invalid_argument;
    }
    // The rest is rare on the frequent exits: one test to pass it by.
    constexpr std::uint64_t rest = abi::vcpu_state::control | abi::vcpu_state::interruptibility |
                                   abi::vcpu_state::injection | abi::vcpu_state::msrs;
    if ((mask & rest) != 0) {
        SEPTUM_TRY(detail::check_rest(s, mask, limits, protected_mode));
    }
    if ((mask & abi::vcpu_state::apic) != 0) {
        SEPTUM_TRY(check_apic(s.apic, apic));
    }
    return Status::ok;
}

namespace detail {

using vmcs::Field;

inline constexpr std::uint64_t efer_lma = abi::x86::efer::lma;

// The bits of CR0 the guest runs with that VMX fixes, less PE and PG,
// which unrestricted guest lets be 0 (SDM Vol. 3 26.3.1.1).
inline std::uint64_t cr0_must1(const EntryLimits& l) { return l.cr0_fixed0 & ~(cr0::pe | cr0::pg); }

inline std::uint32_t entry_controls_wanted(const abi::VcpuState& s) {
    return vmcs::entry_ctl::load_efer | vmcs::entry_ctl::load_pat |
           ((s.efer & efer_lma) != 0 ? vmcs::entry_ctl::ia32e_guest : 0);
}

struct SegmentFields {
    Field selector, limit, access, base;
};
inline constexpr SegmentFields segment_fields[] = {
    {Field::guest_cs_selector, Field::guest_cs_limit, Field::guest_cs_access, Field::guest_cs_base},
    {Field::guest_ds_selector, Field::guest_ds_limit, Field::guest_ds_access, Field::guest_ds_base},
    {Field::guest_es_selector, Field::guest_es_limit, Field::guest_es_access, Field::guest_es_base},
    {Field::guest_fs_selector, Field::guest_fs_limit, Field::guest_fs_access, Field::guest_fs_base},
    {Field::guest_gs_selector, Field::guest_gs_limit, Field::guest_gs_access, Field::guest_gs_base},
    {Field::guest_ss_selector, Field::guest_ss_limit, Field::guest_ss_access, Field::guest_ss_base},
    {Field::guest_tr_selector, Field::guest_tr_limit, Field::guest_tr_access, Field::guest_tr_base},
    {Field::guest_ldtr_selector, Field::guest_ldtr_limit, Field::guest_ldtr_access, Field::guest_ldtr_base},
};

// The state's segments in the order of segment_fields.
template <typename State>
auto* segment_at(State& s, unsigned i) {
    switch (i) {
        case 0:
            return &s.cs;
        case 1:
            return &s.ds;
        case 2:
            return &s.es;
        case 3:
            return &s.fs;
        case 4:
            return &s.gs;
        case 5:
            return &s.ss;
        case 6:
            return &s.tr;
        default:
            return &s.ldtr;
    }
}

template <class Vmcs>
bool write_all(Vmcs& vmcs, std::initializer_list<std::pair<Field, std::uint64_t>> fields) {
    bool ok = true;
    for (const auto& [f, v] : fields) {
        ok = vmcs.write(f, v) && ok;
    }
    return ok;
}

// CR0 and CR4 as the CPU runs them: the bits VMX fixes forced, the guest's
// own view kept in the read shadow.
template <class Vmcs>
bool write_control(Vmcs& vmcs, const abi::VcpuState& s, const EntryLimits& l) {
    const std::uint64_t cr0_must0 = ~l.cr0_fixed1;
    const std::uint64_t cr4_must1 = l.cr4_fixed0, cr4_must0 = ~l.cr4_fixed1;
    std::uint32_t entry = 0;
    (void)adjust_control(entry_controls_wanted(s), l.entry_allowed0, l.entry_allowed1, entry);  // checked before
    return write_all(vmcs, {{Field::guest_cr0, (s.cr0 | cr0_must1(l)) & ~cr0_must0},
                            {Field::cr0_mask, cr0_must1(l) | cr0_must0},
                            {Field::cr0_read_shadow, s.cr0},
                            {Field::guest_cr4, (s.cr4 | cr4_must1) & ~cr4_must0},
                            {Field::cr4_mask, ~abi::x86::cr4::guest_owned | cr4_must1 | cr4_must0},
                            {Field::cr4_read_shadow, s.cr4 & ~cr4::vmxe},
                            {Field::guest_cr3, s.cr3},
                            {Field::guest_efer, s.efer},
                            {Field::entry_controls, entry}});
}

template <class Vmcs>
bool write_segments(Vmcs& vmcs, const abi::VcpuState& s) {
    bool ok = true;
    for (unsigned i = 0; i < 8; ++i) {
        const abi::Segment& seg = *segment_at(s, i);
        const SegmentFields& f = segment_fields[i];
        ok = write_all(vmcs, {{f.selector, seg.selector},
                              {f.limit, seg.limit},
                              {f.access, seg.access_rights},
                              {f.base, seg.base}}) &&
             ok;
    }
    return ok;
}

// Without an injection nothing is written: every exit clears the valid
// bit of the entry interruption field (SDM Vol. 3 27.2.3).
template <class Vmcs>
bool write_injection(Vmcs& vmcs, const abi::VcpuState& s) {
    if (!abi::x86::EventInfo{s.inject_info}.valid()) {
        return vmcs.write(Field::entry_interruption_info, 0);
    }
    return write_all(vmcs, {{Field::entry_interruption_info, s.inject_info},
                            {Field::entry_exception_error, s.inject_error},
                            {Field::entry_instruction_length, s.inject_length}});
}

// The parts beyond RSP, RIP and RFLAGS (load_state has checked them).
template <class Vmcs>
bool load_rest(Vmcs& vmcs, const EntryLimits& limits, const abi::VcpuState& s, std::uint64_t mask, std::uint64_t& xcr0,
               std::uint32_t apic) {
    bool ok = true;
    if ((mask & abi::vcpu_state::apic) != 0) {
        ok = write_apic(vmcs, s.apic, apic);
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        ok = write_control(vmcs, s, limits) && ok;
    }
    if ((mask & abi::vcpu_state::segments) != 0) {
        ok = write_segments(vmcs, s) && ok;
    }
    if ((mask & abi::vcpu_state::tables) != 0) {
        ok = write_all(vmcs, {{vmcs::Field::guest_gdtr_base, s.gdtr.base},
                              {vmcs::Field::guest_gdtr_limit, s.gdtr.limit},
                              {vmcs::Field::guest_idtr_base, s.idtr.base},
                              {vmcs::Field::guest_idtr_limit, s.idtr.limit}}) &&
             ok;
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        ok = write_all(vmcs, {{vmcs::Field::guest_interruptibility, s.interruptibility},
                              {vmcs::Field::guest_activity, s.activity}}) &&
             ok;
    }
    if ((mask & abi::vcpu_state::injection) != 0) {
        ok = write_injection(vmcs, s) && ok;
    }
    if ((mask & abi::vcpu_state::xcr0) != 0) {
        xcr0 = s.xcr0;
    }
    if ((mask & abi::vcpu_state::msrs) != 0) {
        // The SYSCALL MSRs and KERNEL_GS_BASE are not in the VMCS: the
        // caller puts them in the VCPU's MSR areas.
        ok = write_all(vmcs, {{vmcs::Field::guest_sysenter_cs, s.msrs.sysenter_cs},
                              {vmcs::Field::guest_sysenter_esp, s.msrs.sysenter_esp},
                              {vmcs::Field::guest_sysenter_eip, s.msrs.sysenter_eip},
                              {vmcs::Field::guest_pat, s.msrs.pat}}) &&
             ok;
    }
    return ok;
}

template <class Vmcs>
void store_rest(const Vmcs& vmcs, abi::VcpuState& s, std::uint64_t mask, std::uint32_t apic) {
    if ((mask & abi::vcpu_state::apic) != 0) {
        store_apic(vmcs, s.apic, apic);
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        // What the guest sees: its own bits where the kernel forces them.
        const std::uint64_t m0 = vmcs.read(vmcs::Field::cr0_mask), m4 = vmcs.read(vmcs::Field::cr4_mask);
        s.cr0 = (vmcs.read(vmcs::Field::guest_cr0) & ~m0) | (vmcs.read(vmcs::Field::cr0_read_shadow) & m0);
        s.cr4 = (vmcs.read(vmcs::Field::guest_cr4) & ~m4) | (vmcs.read(vmcs::Field::cr4_read_shadow) & m4);
        s.cr3 = vmcs.read(vmcs::Field::guest_cr3);
        s.efer = vmcs.read(vmcs::Field::guest_efer);
    }
    if ((mask & abi::vcpu_state::segments) != 0) {
        for (unsigned i = 0; i < 8; ++i) {
            abi::Segment& seg = *segment_at(s, i);
            const SegmentFields& f = segment_fields[i];
            seg.selector = static_cast<std::uint16_t>(vmcs.read(f.selector));
            seg.limit = static_cast<std::uint32_t>(vmcs.read(f.limit));
            seg.access_rights = static_cast<std::uint32_t>(vmcs.read(f.access));
            seg.base = vmcs.read(f.base);
        }
    }
    if ((mask & abi::vcpu_state::tables) != 0) {
        s.gdtr = abi::DescriptorTable{vmcs.read(vmcs::Field::guest_gdtr_base),
                                      static_cast<std::uint32_t>(vmcs.read(vmcs::Field::guest_gdtr_limit)), 0};
        s.idtr = abi::DescriptorTable{vmcs.read(vmcs::Field::guest_idtr_base),
                                      static_cast<std::uint32_t>(vmcs.read(vmcs::Field::guest_idtr_limit)), 0};
    }
    if ((mask & abi::vcpu_state::msrs) != 0) {
        s.msrs.sysenter_cs = vmcs.read(vmcs::Field::guest_sysenter_cs);
        s.msrs.sysenter_esp = vmcs.read(vmcs::Field::guest_sysenter_esp);
        s.msrs.sysenter_eip = vmcs.read(vmcs::Field::guest_sysenter_eip);
        s.msrs.pat = vmcs.read(vmcs::Field::guest_pat);
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        s.interruptibility = static_cast<std::uint32_t>(vmcs.read(vmcs::Field::guest_interruptibility));
        s.activity = static_cast<std::uint32_t>(vmcs.read(vmcs::Field::guest_activity));
    }
}

}  // namespace detail

// Checks the parts of `s` in `mask`, then writes them into `vmcs` (a
// VmcsAccess; a template so the kernel's accesses compile to the
// instructions themselves); on any failure nothing is written. The XCR0
// the VMM supplied comes back in `xcr0` (the guest's XSETBV exits to the
// VMM; the VMCS has no field).
template <class Vmcs>
Status load_state(Vmcs& vmcs, const EntryLimits& limits, const abi::VcpuState& s, std::uint64_t mask,
                  std::uint64_t& xcr0, std::uint32_t apic = 0) {
    // CR0.PE matters only to an injection's error code: read the VMCS for
    // it only then (the short exits supply no injection).
    const bool injecting = (mask & abi::vcpu_state::injection) != 0;
    const std::uint64_t cr0 = (mask & abi::vcpu_state::control) != 0 ? s.cr0
                              : injecting                            ? vmcs.read(vmcs::Field::guest_cr0)
                                                                     : 0;
    SEPTUM_TRY(check_state(s, mask, limits, (cr0 & cr0::pe) != 0, apic));
    // Supplied general registers are loaded straight from the state page at
    // entry (vcpu_run.cpp), not copied here.
    bool ok = true;
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        ok = detail::write_all(
            vmcs,
            {{vmcs::Field::guest_rsp, s.rsp}, {vmcs::Field::guest_rip, s.rip}, {vmcs::Field::guest_rflags, s.rflags}});
    }
    if ((mask & ~(abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags)) != 0) {
        ok = detail::load_rest(vmcs, limits, s, mask, xcr0, apic) && ok;
    }
    return ok ? Status::ok : Status::invalid_argument;
}

// Reads the parts in `mask` out of `vmcs`, as the guest sees them. The
// general registers and XCR0 are not in the VMCS; the caller fills them.
template <class Vmcs>
void store_state(const Vmcs& vmcs, abi::VcpuState& s, std::uint64_t mask, std::uint32_t apic = 0) {
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        s.rsp = vmcs.read(vmcs::Field::guest_rsp);
        s.rip = vmcs.read(vmcs::Field::guest_rip);
        s.rflags = vmcs.read(vmcs::Field::guest_rflags);
    }
    if ((mask & ~(abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags)) != 0) {
        detail::store_rest(vmcs, s, mask, apic);
    }
}

}  // namespace septum::arch::vmx
