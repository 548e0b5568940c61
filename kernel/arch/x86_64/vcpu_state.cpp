#include "vcpu_state.hpp"

#include <cstddef>

#include "cpu.hpp"
#include "ept.hpp"
#include "gdt.hpp"
#include "interrupts.hpp"
#include "msr.hpp"
#include "vmcs.hpp"
#include "vmx.hpp"

extern "C" void vm_exit_entry();

namespace septum::arch::vcpu {

namespace {

using vmcs::Field;
using vmcs::vmread;
using vmcs::vmwrite;

constexpr std::uint64_t cr0_pe = 1u << 0, cr0_pg = std::uint64_t{1} << 31;
constexpr std::uint64_t efer_lme = 1u << 8, efer_lma = 1u << 10;
// RFLAGS: bit 1 is always 1; bits 3, 5, 15 and 22-63 are reserved (0).
constexpr std::uint64_t rflags_fixed1 = 1u << 1;
constexpr std::uint64_t rflags_reserved = (1u << 3) | (1u << 5) | (1u << 15) | ~std::uint64_t{0x3fffff};
constexpr std::uint32_t max_activity_state = 3;
constexpr std::uint32_t interruptibility_reserved = ~std::uint32_t{0x1f};
constexpr std::uint32_t inject_valid = 1u << 31;
constexpr std::uint32_t inject_reserved = 0x7ffff000;  // bits 30:12

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

bool write_all(std::initializer_list<std::pair<Field, std::uint64_t>> fields) {
    bool ok = true;
    for (const auto& [f, v] : fields) {
        ok = vmwrite(f, v) && ok;
    }
    return ok;
}

// CR0 and CR4 as the CPU runs them: the bits VMX fixes forced, the guest's
// own view kept in the read shadow; unrestricted guest lets PE and PG be 0.
Status load_control(const abi::VcpuState& s) {
    const vmx::FixedBits fx = vmx::fixed_bits();
    const std::uint64_t cr0_must1 = fx.cr0_fixed0 & ~(cr0_pe | cr0_pg);
    const std::uint64_t cr0_must0 = ~fx.cr0_fixed1;
    const std::uint64_t cr4_must1 = fx.cr4_fixed0;
    const std::uint64_t cr4_must0 = ~fx.cr4_fixed1;
    if ((s.cr0 & cr0_pg) != 0 && (s.cr0 & cr0_pe) == 0) {
        return Status::invalid_argument;  // paging without protection (SDM 26.3.1.1)
    }
    const bool long_mode = (s.efer & efer_lma) != 0;
    if (long_mode != ((s.efer & efer_lme) != 0 && (s.cr0 & cr0_pg) != 0)) {
        return Status::invalid_argument;  // EFER.LMA must be LME and PG together
    }
    if ((s.cr0 >> 32) != 0 || (s.cr4 & cr4_must0 & ~cr4::vmxe) != 0) {
        return Status::invalid_argument;
    }
    std::uint32_t entry = 0;
    if (!vmx::adjust_controls(static_cast<std::uint32_t>(Msr::vmx_entry_ctls),
                              vmcs::entry_ctl::load_efer | (long_mode ? vmcs::entry_ctl::ia32e_guest : 0), entry)) {
        return Status::invalid_argument;
    }
    const bool ok = write_all({{Field::guest_cr0, (s.cr0 | cr0_must1) & ~cr0_must0},
                               {Field::cr0_mask, cr0_must1 | cr0_must0},
                               {Field::cr0_read_shadow, s.cr0},
                               {Field::guest_cr4, (s.cr4 | cr4_must1) & ~cr4_must0},
                               {Field::cr4_mask, cr4_must1 | cr4_must0},
                               {Field::cr4_read_shadow, s.cr4 & ~cr4::vmxe},
                               {Field::guest_cr3, s.cr3},
                               {Field::guest_efer, s.efer},
                               {Field::entry_controls, entry}});
    return ok ? Status::ok : Status::invalid_argument;
}

bool write_constant_host_state(const Vcpu& v);

// The VMX-preemption timer bounds every stay in a guest (SDM Vol. 3
// 25.5.1): it counts down once every 2^IA32_VMX_MISC[4:0] TSC ticks and is
// reloaded at each entry, so no guest keeps the CPU longer than this,
// whatever it masks. 2^18 TSC ticks: about one scheduler tick in Bochs.
std::uint32_t preemption_quantum() {
    constexpr unsigned quantum_shift = 18;
    const auto rate = static_cast<unsigned>(rdmsr(Msr::vmx_misc) & 0x1f);
    return rate >= quantum_shift ? 1u : 1u << (quantum_shift - rate);
}

Status load_injection(const abi::VcpuState& s) {
    if ((s.inject_info & inject_valid) == 0) {
        return vmwrite(Field::entry_interruption_info, 0) ? Status::ok : Status::invalid_argument;
    }
    if ((s.inject_info & inject_reserved) != 0 || s.inject_length > 15) {
        return Status::invalid_argument;
    }
    const bool ok = write_all({{Field::entry_interruption_info, s.inject_info},
                               {Field::entry_exception_error, s.inject_error},
                               {Field::entry_instruction_length, s.inject_length}});
    return ok ? Status::ok : Status::invalid_argument;
}

}  // namespace

Status initialise(Vcpu& v, std::uint64_t ept_root) {
    std::uint32_t pin = 0, proc = 0, proc2 = 0, exit = 0;
    // The host's interrupts and NMIs exit whatever the guest masks, and the
    // preemption timer takes the CPU back from a guest that never exits
    // even if no host interrupt comes (the in-system check
    // cell.spin-beside-heartbeat fails only without both).
    constexpr std::uint32_t pin_wanted =
        vmcs::pin::external_interrupt_exiting | vmcs::pin::nmi_exiting | vmcs::pin::preemption_timer;
    const bool ok = vmx::adjust_controls(static_cast<std::uint32_t>(Msr::vmx_pinbased_ctls), pin_wanted, pin) &&
                    vmx::adjust_controls(static_cast<std::uint32_t>(Msr::vmx_procbased_ctls),
                                         vmcs::proc::hlt_exiting | vmcs::proc::unconditional_io_exiting |
                                             vmcs::proc::mwait_exiting | vmcs::proc::monitor_exiting |
                                             vmcs::proc::rdpmc_exiting | vmcs::proc::secondary_controls,
                                         proc) &&
                    vmx::adjust_controls(
                        static_cast<std::uint32_t>(Msr::vmx_procbased_ctls2),
                        vmcs::proc2::enable_ept | vmcs::proc2::enable_vpid | vmcs::proc2::unrestricted_guest, proc2) &&
                    vmx::adjust_controls(static_cast<std::uint32_t>(Msr::vmx_exit_ctls),
                                         vmcs::exit_ctl::host_address_space_64 | vmcs::exit_ctl::ack_interrupt_on_exit |
                                             vmcs::exit_ctl::save_efer | vmcs::exit_ctl::load_efer,
                                         exit);
    if (!ok) {
        return Status::invalid_argument;  // this CPU lacks a control the kernel relies on
    }
    // No MSR bitmap: every RDMSR and WRMSR exits. Exceptions stay the
    // guest's own. No MSR lists.
    const bool written = write_all({{Field::pin_controls, pin},
                                    {Field::proc_controls, proc},
                                    {Field::secondary_controls, proc2},
                                    {Field::exit_controls, exit},
                                    {Field::exception_bitmap, 0},
                                    {Field::cr3_target_count, 0},
                                    {Field::exit_msr_store_count, 0},
                                    {Field::exit_msr_load_count, 0},
                                    {Field::entry_msr_load_count, 0},
                                    {Field::vmcs_link_pointer, ~std::uint64_t{0}},
                                    {Field::vpid, v.vpid},
                                    {Field::ept_pointer, ept::pointer(ept_root)},
                                    {Field::guest_dr7, 0x400},
                                    {Field::guest_pending_debug, 0},
                                    {Field::guest_sysenter_cs, 0},
                                    {Field::guest_sysenter_esp, 0},
                                    {Field::guest_sysenter_eip, 0},
                                    {Field::preemption_timer_value, preemption_quantum()}});
    if (!written || !write_constant_host_state(v)) {
        return Status::invalid_argument;
    }
    v.initialised = true;
    return Status::ok;
}

void write_host_state(Vcpu& v) {
    // Only the address space may differ from entry to entry (the VMM thread
    // that runs the VCPU); the rest was written once by initialise().
    const std::uint64_t cr3 = read_cr3();
    if (cr3 != v.host_cr3) {
        (void)vmwrite(Field::host_cr3, cr3);
        v.host_cr3 = cr3;
    }
}

namespace {

// The host state that never changes: where an exit lands and on what. The
// exit's stack is the VCPU's register area (vmx_entry.S).
bool write_constant_host_state(const Vcpu& v) {
    return write_all({{Field::host_cr0, read_cr0()},
                      {Field::host_cr4, read_cr4()},
                      {Field::host_cs_selector, selector::kernel_code},
                      {Field::host_ss_selector, selector::kernel_data},
                      {Field::host_ds_selector, selector::kernel_data},
                      {Field::host_es_selector, selector::kernel_data},
                      {Field::host_fs_selector, 0},
                      {Field::host_gs_selector, 0},
                      {Field::host_tr_selector, selector::tss},
                      {Field::host_fs_base, 0},
                      {Field::host_gs_base, 0},
                      {Field::host_tr_base, tss_base()},
                      {Field::host_gdtr_base, gdt_base()},
                      {Field::host_idtr_base, idt_base()},
                      {Field::host_sysenter_cs, 0},
                      {Field::host_sysenter_esp, 0},
                      {Field::host_sysenter_eip, 0},
                      {Field::host_efer, rdmsr(Msr::efer)},
                      {Field::host_rsp, reinterpret_cast<std::uint64_t>(&v.gprs + 1)},
                      {Field::host_rip, reinterpret_cast<std::uint64_t>(&vm_exit_entry)}});
}

}  // namespace

static_assert(offsetof(abi::VcpuState, r15) == offsetof(GuestGprs, r15) &&
                  offsetof(abi::VcpuState, rax) == offsetof(GuestGprs, rax),
              "VcpuState begins with the registers in GuestGprs order");

Status load(Vcpu& v, const abi::VcpuState& s, std::uint64_t mask) {
    if ((mask & ~abi::vcpu_state::all) != 0) {
        return Status::invalid_argument;
    }
    // Supplied general registers are loaded straight from the state page at
    // entry (vcpu_run.cpp), not copied here.
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        if ((s.rflags & rflags_reserved) != 0 || (s.rflags & rflags_fixed1) == 0) {
            return Status::invalid_argument;
        }
        if (!write_all({{Field::guest_rsp, s.rsp}, {Field::guest_rip, s.rip}, {Field::guest_rflags, s.rflags}})) {
            return Status::invalid_argument;
        }
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        SEPTUM_TRY(load_control(s));
    }
    if ((mask & abi::vcpu_state::segments) != 0) {
        for (unsigned i = 0; i < 8; ++i) {
            const abi::Segment& seg = *segment_at(s, i);
            const SegmentFields& f = segment_fields[i];
            if (!write_all({{f.selector, seg.selector},
                            {f.limit, seg.limit},
                            {f.access, seg.access_rights},
                            {f.base, seg.base}})) {
                return Status::invalid_argument;
            }
        }
    }
    if ((mask & abi::vcpu_state::tables) != 0) {
        if (!write_all({{Field::guest_gdtr_base, s.gdtr.base},
                        {Field::guest_gdtr_limit, s.gdtr.limit},
                        {Field::guest_idtr_base, s.idtr.base},
                        {Field::guest_idtr_limit, s.idtr.limit}})) {
            return Status::invalid_argument;
        }
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        if (s.activity > max_activity_state || (s.interruptibility & interruptibility_reserved) != 0) {
            return Status::invalid_argument;
        }
        (void)write_all({{Field::guest_interruptibility, s.interruptibility}, {Field::guest_activity, s.activity}});
    }
    // Without an injection nothing is written: every exit clears the valid
    // bit of the entry interruption field (SDM Vol. 3 27.2.3).
    if ((mask & abi::vcpu_state::injection) != 0) {
        SEPTUM_TRY(load_injection(s));
    }
    if ((mask & abi::vcpu_state::xcr0) != 0) {
        v.xcr0 = s.xcr0;  // kept for the VMM; the guest's XSETBV exits to it
    }
    return Status::ok;
}

void store(const Vcpu& v, abi::VcpuState& s, std::uint64_t mask) {
    if ((mask & abi::vcpu_state::gprs) != 0) {
        const GuestGprs& g = v.gprs;
        s.rax = g.rax, s.rbx = g.rbx, s.rcx = g.rcx, s.rdx = g.rdx, s.rsi = g.rsi, s.rdi = g.rdi, s.rbp = g.rbp;
        s.r8 = g.r8, s.r9 = g.r9, s.r10 = g.r10, s.r11 = g.r11, s.r12 = g.r12, s.r13 = g.r13, s.r14 = g.r14;
        s.r15 = g.r15;
    }
    if ((mask & abi::vcpu_state::rsp_rip_rflags) != 0) {
        s.rsp = vmread(Field::guest_rsp);
        s.rip = vmread(Field::guest_rip);
        s.rflags = vmread(Field::guest_rflags);
    }
    if ((mask & abi::vcpu_state::control) != 0) {
        // What the guest sees: its own bits where the kernel forces them.
        const std::uint64_t m0 = vmread(Field::cr0_mask), m4 = vmread(Field::cr4_mask);
        s.cr0 = (vmread(Field::guest_cr0) & ~m0) | (vmread(Field::cr0_read_shadow) & m0);
        s.cr4 = (vmread(Field::guest_cr4) & ~m4) | (vmread(Field::cr4_read_shadow) & m4);
        s.cr3 = vmread(Field::guest_cr3);
        s.efer = vmread(Field::guest_efer);
    }
    if ((mask & abi::vcpu_state::segments) != 0) {
        for (unsigned i = 0; i < 8; ++i) {
            abi::Segment& seg = *segment_at(s, i);
            const SegmentFields& f = segment_fields[i];
            seg.selector = static_cast<std::uint16_t>(vmread(f.selector));
            seg.limit = static_cast<std::uint32_t>(vmread(f.limit));
            seg.access_rights = static_cast<std::uint32_t>(vmread(f.access));
            seg.base = vmread(f.base);
        }
    }
    if ((mask & abi::vcpu_state::tables) != 0) {
        s.gdtr = abi::DescriptorTable{vmread(Field::guest_gdtr_base),
                                      static_cast<std::uint32_t>(vmread(Field::guest_gdtr_limit)), 0};
        s.idtr = abi::DescriptorTable{vmread(Field::guest_idtr_base),
                                      static_cast<std::uint32_t>(vmread(Field::guest_idtr_limit)), 0};
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0) {
        s.interruptibility = static_cast<std::uint32_t>(vmread(Field::guest_interruptibility));
        s.activity = static_cast<std::uint32_t>(vmread(Field::guest_activity));
    }
    if ((mask & abi::vcpu_state::xcr0) != 0) {
        s.xcr0 = v.xcr0;
    }
}

void store_exit(abi::ExitInfo& e) {
    e.reason = static_cast<std::uint32_t>(vmread(Field::exit_reason));
    e.instruction_length = static_cast<std::uint32_t>(vmread(Field::exit_instruction_length));
    e.qualification = vmread(Field::exit_qualification);
    e.instruction_info = static_cast<std::uint32_t>(vmread(Field::exit_instruction_info));
    e.interruption_info = static_cast<std::uint32_t>(vmread(Field::exit_interruption_info));
    e.interruption_error = static_cast<std::uint32_t>(vmread(Field::exit_interruption_error));
    e.idt_vectoring_info = static_cast<std::uint32_t>(vmread(Field::idt_vectoring_info));
    e.idt_vectoring_error = static_cast<std::uint32_t>(vmread(Field::idt_vectoring_error));
    e.interruptibility = static_cast<std::uint32_t>(vmread(Field::guest_interruptibility));
    e.guest_physical = vmread(Field::guest_physical_address);
    e.guest_linear = vmread(Field::guest_linear_address);
}

}  // namespace septum::arch::vcpu
