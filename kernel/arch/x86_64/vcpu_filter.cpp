#include "vcpu_filter.hpp"

#include "control_registers.hpp"

namespace septum::arch::vcpu {

namespace {

using vmcs::Field;

constexpr std::uint64_t efer_lme = 1u << 8, efer_lma = 1u << 10;
// RFLAGS: bit 1 is always 1; bits 3, 5, 15 and 22-63 are reserved (0).
constexpr std::uint64_t rflags_fixed1 = 1u << 1;
constexpr std::uint64_t rflags_reserved = (1u << 3) | (1u << 5) | (1u << 15) | ~std::uint64_t{0x3fffff};
constexpr std::uint32_t max_activity_state = 3;
constexpr std::uint32_t interruptibility_reserved = ~std::uint32_t{0x1f};

// The VM-entry interruption-information field (SDM Vol. 3 24.8.3).
namespace inject {
constexpr std::uint32_t valid = 1u << 31;
constexpr std::uint32_t reserved = 0x7ffff000;  // bits 30:12
constexpr std::uint32_t error_code = 1u << 11;
constexpr unsigned type_shift = 8;
constexpr std::uint32_t type_reserved = 1, type_other = 7;
constexpr std::uint32_t type_nmi = 2, type_hardware_exception = 3;
constexpr unsigned max_length = 15;
}  // namespace inject

struct SegmentFields {
    Field selector, limit, access, base;
};
constexpr SegmentFields segment_fields[] = {
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

bool write_all(VmcsAccess& vmcs, std::initializer_list<std::pair<Field, std::uint64_t>> fields) {
    bool ok = true;
    for (const auto& [f, v] : fields) {
        ok = vmcs.write(f, v) && ok;
    }
    return ok;
}

// The bits of CR0 the guest runs with that VMX fixes, less PE and PG,
// which unrestricted guest lets be 0 (SDM Vol. 3 26.3.1.1).
std::uint64_t cr0_must1(const EntryLimits& l) { return l.cr0_fixed0 & ~(cr0::pe | cr0::pg); }

std::uint32_t entry_controls_wanted(const abi::VcpuState& s) {
    return vmcs::entry_ctl::load_efer | ((s.efer & efer_lma) != 0 ? vmcs::entry_ctl::ia32e_guest : 0);
}

Status check_control(const abi::VcpuState& s, const EntryLimits& l) {
    if ((s.cr0 & cr0::pg) != 0 && (s.cr0 & cr0::pe) == 0) {
        return Status::invalid_argument;  // paging without protection (SDM 26.3.1.1)
    }
    const bool long_mode = (s.efer & efer_lma) != 0;
    if (long_mode != ((s.efer & efer_lme) != 0 && (s.cr0 & cr0::pg) != 0)) {
        return Status::invalid_argument;  // EFER.LMA must be LME and PG together
    }
    if ((s.cr0 >> 32) != 0 || (s.cr4 & ~l.cr4_fixed1 & ~cr4::vmxe) != 0) {
        return Status::invalid_argument;
    }
    // The controls must allow the wanted ones, and must not force IA-32e
    // mode on a guest that did not ask for it (no processor does; the
    // filter's fuzzer tries any limits).
    std::uint32_t entry = 0;
    const std::uint32_t wanted = entry_controls_wanted(s);
    if (!adjust_control(wanted, l.entry_allowed0, l.entry_allowed1, entry) ||
        (entry & vmcs::entry_ctl::ia32e_guest) != (wanted & vmcs::entry_ctl::ia32e_guest)) {
        return Status::invalid_argument;
    }
    return Status::ok;
}

// Event injection (SDM Vol. 3 26.2.1.3): a defined type, an NMI on vector
// 2, a hardware exception below 32, an error code exactly for the
// exceptions that push one in protected mode, a length an instruction has.
Status check_injection(const abi::VcpuState& s, bool protected_mode) {
    const std::uint32_t info = s.inject_info;
    if ((info & inject::valid) == 0) {
        return Status::ok;
    }
    const std::uint32_t type = (info >> inject::type_shift) & 7, vector = info & 0xff;
    if ((info & inject::reserved) != 0 || s.inject_length > inject::max_length || type == inject::type_reserved ||
        type == inject::type_other) {
        return Status::invalid_argument;
    }
    if ((type == inject::type_nmi && vector != 2) || (type == inject::type_hardware_exception && vector > 31)) {
        return Status::invalid_argument;
    }
    const bool pushes = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
    const bool error_code_due = protected_mode && type == inject::type_hardware_exception && pushes;
    return ((info & inject::error_code) != 0) == error_code_due ? Status::ok : Status::invalid_argument;
}

// CR0 and CR4 as the CPU runs them: the bits VMX fixes forced, the guest's
// own view kept in the read shadow.
bool write_control(VmcsAccess& vmcs, const abi::VcpuState& s, const EntryLimits& l) {
    const std::uint64_t cr0_must0 = ~l.cr0_fixed1;
    const std::uint64_t cr4_must1 = l.cr4_fixed0, cr4_must0 = ~l.cr4_fixed1;
    std::uint32_t entry = 0;
    (void)adjust_control(entry_controls_wanted(s), l.entry_allowed0, l.entry_allowed1, entry);  // checked before
    return write_all(vmcs, {{Field::guest_cr0, (s.cr0 | cr0_must1(l)) & ~cr0_must0},
                            {Field::cr0_mask, cr0_must1(l) | cr0_must0},
                            {Field::cr0_read_shadow, s.cr0},
                            {Field::guest_cr4, (s.cr4 | cr4_must1) & ~cr4_must0},
                            {Field::cr4_mask, cr4_must1 | cr4_must0},
                            {Field::cr4_read_shadow, s.cr4 & ~cr4::vmxe},
                            {Field::guest_cr3, s.cr3},
                            {Field::guest_efer, s.efer},
                            {Field::entry_controls, entry}});
}

bool write_segments(VmcsAccess& vmcs, const abi::VcpuState& s) {
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
bool write_injection(VmcsAccess& vmcs, const abi::VcpuState& s) {
    if ((s.inject_info & inject::valid) == 0) {
        return vmcs.write(Field::entry_interruption_info, 0);
    }
    return write_all(vmcs, {{Field::entry_interruption_info, s.inject_info},
                            {Field::entry_exception_error, s.inject_error},
                            {Field::entry_instruction_length, s.inject_length}});
}

}  // namespace

Status check_state(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode) {
    if ((mask & ~abi::vcpu_state::all) != 0) {
        return Status::invalid_argument;
    }
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0 &&
        ((s.rflags & rflags_reserved) != 0 || (s.rflags & rflags_fixed1) == 0)) {
        return Status::invalid_argument;
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        SEPTUM_TRY(check_control(s, limits));
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0 &&
        (s.activity > max_activity_state || (s.interruptibility & interruptibility_reserved) != 0)) {
        return Status::invalid_argument;
    }
    if ((mask & abi::vcpu_state::injection) != 0) {
        SEPTUM_TRY(check_injection(s, protected_mode));
    }
    return Status::ok;
}

Status load_state(VmcsAccess& vmcs, const EntryLimits& limits, const abi::VcpuState& s, std::uint64_t mask,
                  std::uint64_t& xcr0) {
    const std::uint64_t cr0 = (mask & abi::vcpu_state::control) != 0 ? s.cr0 : vmcs.read(Field::guest_cr0);
    SEPTUM_TRY(check_state(s, mask, limits, (cr0 & cr0::pe) != 0));
    // Supplied general registers are loaded straight from the state page at
    // entry (vcpu_run.cpp), not copied here.
    bool ok = true;
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        ok = write_all(vmcs, {{Field::guest_rsp, s.rsp}, {Field::guest_rip, s.rip}, {Field::guest_rflags, s.rflags}});
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        ok = write_control(vmcs, s, limits) && ok;
    }
    if ((mask & abi::vcpu_state::segments) != 0) {
        ok = write_segments(vmcs, s) && ok;
    }
    if ((mask & abi::vcpu_state::tables) != 0) {
        ok = write_all(vmcs, {{Field::guest_gdtr_base, s.gdtr.base},
                              {Field::guest_gdtr_limit, s.gdtr.limit},
                              {Field::guest_idtr_base, s.idtr.base},
                              {Field::guest_idtr_limit, s.idtr.limit}}) &&
             ok;
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        ok = write_all(vmcs,
                       {{Field::guest_interruptibility, s.interruptibility}, {Field::guest_activity, s.activity}}) &&
             ok;
    }
    if ((mask & abi::vcpu_state::injection) != 0) {
        ok = write_injection(vmcs, s) && ok;
    }
    if ((mask & abi::vcpu_state::xcr0) != 0) {
        xcr0 = s.xcr0;
    }
    return ok ? Status::ok : Status::invalid_argument;
}

void store_state(const VmcsAccess& vmcs, abi::VcpuState& s, std::uint64_t mask) {
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        s.rsp = vmcs.read(Field::guest_rsp);
        s.rip = vmcs.read(Field::guest_rip);
        s.rflags = vmcs.read(Field::guest_rflags);
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        // What the guest sees: its own bits where the kernel forces them.
        const std::uint64_t m0 = vmcs.read(Field::cr0_mask), m4 = vmcs.read(Field::cr4_mask);
        s.cr0 = (vmcs.read(Field::guest_cr0) & ~m0) | (vmcs.read(Field::cr0_read_shadow) & m0);
        s.cr4 = (vmcs.read(Field::guest_cr4) & ~m4) | (vmcs.read(Field::cr4_read_shadow) & m4);
        s.cr3 = vmcs.read(Field::guest_cr3);
        s.efer = vmcs.read(Field::guest_efer);
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
        s.gdtr = abi::DescriptorTable{vmcs.read(Field::guest_gdtr_base),
                                      static_cast<std::uint32_t>(vmcs.read(Field::guest_gdtr_limit)), 0};
        s.idtr = abi::DescriptorTable{vmcs.read(Field::guest_idtr_base),
                                      static_cast<std::uint32_t>(vmcs.read(Field::guest_idtr_limit)), 0};
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        s.interruptibility = static_cast<std::uint32_t>(vmcs.read(Field::guest_interruptibility));
        s.activity = static_cast<std::uint32_t>(vmcs.read(Field::guest_activity));
    }
}

}  // namespace septum::arch::vcpu
