// A VCPU's VMCS: set-up, host state, and the guest state a VMM supplies
// and wants back. Entering and the exits are in run.cpp.
#include "vcpu.hpp"

#include <cstddef>

#include "apic_controls.hpp"
#include "cpu.hpp"
#include "entry_checks.hpp"
#include "ept.hpp"
#include "gdt.hpp"
#include "interrupts.hpp"
#include "layout.hpp"
#include "msr.hpp"
#include "vmcs.hpp"
#include "vmx.hpp"

extern "C" void vm_exit_entry();

namespace septum::arch::vmx {

namespace {

using vmcs::Field;
using vmcs::vmread;
using vmcs::vmwrite;

bool write_all(std::initializer_list<std::pair<Field, std::uint64_t>> fields) {
    bool ok = true;
    for (const auto& [f, v] : fields) {
        ok = vmwrite(f, v) && ok;
    }
    return ok;
}

// The VMCS of the current VCPU, for the portable entry checks (entry_checks.hpp).
class CurrentVmcs final : public VmcsAccess {
public:
    bool write(Field field, std::uint64_t value) override { return vmwrite(field, value); }
    [[nodiscard]] std::uint64_t read(Field field) const override { return vmread(field); }
};

// This processor's limits, from the VMX capability MSRs, read once (at the
// first VCPU's initialisation): they are constant, and reading six MSRs at
// every run would be most of a short exit's cost.
EntryLimits limits;

void read_entry_limits() {
    const FixedBits fx = fixed_bits();
    const ControlLimits entry = control_limits(static_cast<std::uint32_t>(Msr::vmx_entry_ctls));
    limits = EntryLimits{fx.cr0_fixed0, fx.cr0_fixed1, fx.cr4_fixed0, fx.cr4_fixed1, entry.allowed0, entry.allowed1};
}

bool write_constant_host_state(const Vcpu& v);

MsrEntry* msr_area(const Vcpu& v, std::uint64_t offset) { return phys_to_virt<MsrEntry>(v.object + offset); }

std::uint16_t next_vpid = 1;

constexpr Msr area_msrs[area_msr_count] = {Msr::star, Msr::lstar, Msr::cstar, Msr::sfmask, Msr::kernel_gs_base};

// The guest's area starts at zero (power-on values); the host's holds
// what the kernel runs with, restored at every exit.
bool set_up_msr_areas(const Vcpu& v) {
    MsrEntry* guest = msr_area(v, guest_msr_area_offset);
    MsrEntry* host = msr_area(v, host_msr_area_offset);
    for (unsigned i = 0; i < area_msr_count; ++i) {
        const auto index = static_cast<std::uint32_t>(area_msrs[i]);
        guest[i] = MsrEntry{index, 0, 0};
        host[i] = MsrEntry{index, 0, rdmsr(area_msrs[i])};
    }
    const std::uint64_t object = v.object;
    return write_all({{Field::entry_msr_load_address, object + guest_msr_area_offset},
                      {Field::exit_msr_store_address, object + guest_msr_area_offset},
                      {Field::exit_msr_load_address, object + host_msr_area_offset},
                      {Field::entry_msr_load_count, 0},
                      {Field::exit_msr_store_count, 0},
                      {Field::exit_msr_load_count, 0}});
}

// The area MSRs matter to a guest only once it can use them: SYSCALL needs
// EFER.SCE, SWAPGS 64-bit mode (both #UD otherwise), and RDMSR exits. Until
// then the areas stay off, and entries and exits skip the ten MSR moves.
// EFER changes only by a WRMSR, which exits, or by the VMM's supply.
constexpr std::uint64_t efer_sce = abi::x86::efer::sce, efer_lma = abi::x86::efer::lma;

void switch_msr_areas(Vcpu& v, std::uint64_t guest_efer) {
    const bool on = (guest_efer & (efer_sce | efer_lma)) != 0;
    if (on == v.msr_areas_on) {
        return;
    }
    const std::uint64_t count = on ? std::uint64_t{area_msr_count} : 0;
    (void)write_all({{Field::entry_msr_load_count, count},
                     {Field::exit_msr_store_count, count},
                     {Field::exit_msr_load_count, count}});
    v.msr_areas_on = on;
}

// The MSR bitmaps of x2APIC virtualization, one for each combination of
// the features that decide it (register virtualization, virtual-interrupt
// delivery): constant, so shared by every VCPU; the CPU only reads them.
alignas(4096) std::uint8_t msr_bitmaps[4][msr_bitmap_size];
bool msr_bitmap_filled[4];

std::uint64_t msr_bitmap(std::uint32_t features) {
    const unsigned i = ((features & abi::apic_virt::register_virtualization) != 0 ? 1u : 0u) |
                       ((features & abi::apic_virt::interrupt_delivery) != 0 ? 2u : 0u);
    if (!msr_bitmap_filled[i]) {
        fill_msr_bitmap(msr_bitmaps[i], features);
        msr_bitmap_filled[i] = true;
    }
    return image_to_phys(msr_bitmaps[i]);
}

// The APIC-virtualization fields the controls of v.apic_features use; the
// VMM's own (TPR threshold, guest interrupt status, EOI-exit bitmap) start
// at zero and come with its apic part.
bool write_apic_fields(const Vcpu& v) {
    namespace av = abi::apic_virt;
    const std::uint32_t f = v.apic_features;
    bool ok = true;
    if ((f & av::tpr_shadow) != 0) {
        ok = write_all({{Field::virtual_apic_address, v.virtual_apic}, {Field::tpr_threshold, 0}});
    }
    if ((f & av::apic_accesses) != 0) {
        ok = vmwrite(Field::apic_access_address, v.apic_access) && ok;
    }
    if ((f & av::x2apic_mode) != 0) {
        ok = vmwrite(Field::msr_bitmap_address, msr_bitmap(f)) && ok;
    }
    if ((f & av::interrupt_delivery) != 0) {
        ok = write_all({{Field::guest_interrupt_status, 0},
                        {Field::eoi_exit_bitmap_0, 0},
                        {Field::eoi_exit_bitmap_1, 0},
                        {Field::eoi_exit_bitmap_2, 0},
                        {Field::eoi_exit_bitmap_3, 0}}) &&
             ok;
    }
    return ok;
}

// Writes the VM-execution controls and constant fields once per VMCS.
Status initialise(Vcpu& v, std::uint64_t ept_root) {
    read_entry_limits();
    std::uint32_t pin = 0, proc = 0, proc2 = 0, exit = 0;
    const ApicControls apic = apic_controls(v.apic_features);
    // The host's interrupts and NMIs exit whatever the guest masks, and the
    // preemption timer takes the CPU back at the scheduler's deadline from
    // a guest that never exits even if no host interrupt comes (the
    // in-system check share.beside-spin fails only without both). Without
    // a TPR shadow, MOV to and from CR8 would reach the host's own TPR,
    // which outlives the exit: a guest could mask the host's interrupts
    // below any priority. Then both exit (apic_controls) and the VMM keeps
    // the guest's CR8; with one they reach the virtual-APIC page's TPR.
    constexpr std::uint32_t pin_wanted =
        vmcs::pin::external_interrupt_exiting | vmcs::pin::nmi_exiting | vmcs::pin::preemption_timer;
    const bool ok =
        adjust_controls(static_cast<std::uint32_t>(Msr::vmx_pinbased_ctls), pin_wanted, pin) &&
        adjust_controls(static_cast<std::uint32_t>(Msr::vmx_procbased_ctls),
                        vmcs::proc::hlt_exiting | vmcs::proc::unconditional_io_exiting | vmcs::proc::mwait_exiting |
                            vmcs::proc::monitor_exiting | vmcs::proc::rdpmc_exiting | vmcs::proc::secondary_controls |
                            apic.proc,
                        proc) &&
        adjust_controls(
            static_cast<std::uint32_t>(Msr::vmx_procbased_ctls2),
            vmcs::proc2::enable_ept | vmcs::proc2::enable_vpid | vmcs::proc2::unrestricted_guest | apic.proc2, proc2) &&
        adjust_controls(static_cast<std::uint32_t>(Msr::vmx_exit_ctls),
                        vmcs::exit_ctl::host_address_space_64 | vmcs::exit_ctl::ack_interrupt_on_exit |
                            vmcs::exit_ctl::save_efer | vmcs::exit_ctl::load_efer | vmcs::exit_ctl::save_pat |
                            vmcs::exit_ctl::load_pat,
                        exit);
    if (!ok) {
        return Status::invalid_argument;  // this CPU lacks a control the kernel relies on
    }
    v.proc_controls = proc;
    v.msr_areas_on = false;
    v.window_allowed = (control_limits(static_cast<std::uint32_t>(Msr::vmx_procbased_ctls)).allowed1 &
                        vmcs::proc::interrupt_window_exiting) != 0;
    v.window = false;
    // No MSR bitmap but under x2APIC virtualization: every RDMSR and WRMSR
    // exits but the x2APIC ones it virtualizes. Exceptions stay the
    // guest's own. The MSR areas carry the SYSCALL MSRs and KERNEL_GS_BASE.
    const bool written = write_all({{Field::pin_controls, pin},
                                    {Field::proc_controls, proc},
                                    {Field::secondary_controls, proc2},
                                    {Field::exit_controls, exit},
                                    {Field::exception_bitmap, 0},
                                    {Field::cr3_target_count, 0},
                                    {Field::vmcs_link_pointer, ~std::uint64_t{0}},
                                    {Field::vpid, v.vpid},
                                    {Field::ept_pointer, ept::pointer(ept_root)},
                                    {Field::guest_dr7, 0x400},
                                    {Field::guest_pending_debug, 0},
                                    {Field::guest_sysenter_cs, 0},
                                    {Field::guest_sysenter_esp, 0},
                                    {Field::guest_sysenter_eip, 0},
                                    {Field::guest_pat, abi::x86::pat::power_on}});
    preemption_rate = static_cast<unsigned>(rdmsr(Msr::vmx_misc) & 0x1f);
    if (!written || !write_apic_fields(v) || !write_constant_host_state(v) || !set_up_msr_areas(v)) {
        return Status::invalid_argument;
    }
    v.initialised = true;
    return Status::ok;
}

// Writes the host state (what an exit returns to) for this entry.
void write_host_state(Vcpu& v) {
    // Only the address space may differ from entry to entry (the VMM thread
    // that runs the VCPU); the rest was written once by initialise().
    const std::uint64_t cr3 = read_cr3();
    if (cr3 != v.host_cr3) {
        (void)vmwrite(Field::host_cr3, cr3);
        v.host_cr3 = cr3;
    }
}

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
                      {Field::host_pat, rdmsr(Msr::pat)},
                      {Field::host_rsp, reinterpret_cast<std::uint64_t>(&v.gprs + 1)},
                      {Field::host_rip, reinterpret_cast<std::uint64_t>(&vm_exit_entry)}});
}

// Turns interrupt-window exiting on or off for the next entries.
Status change_interrupt_window(Vcpu& v, bool on) {
    // The only execution control a VMM affects, and only this bit of it.
    if (!vmwrite(Field::proc_controls, v.proc_controls | (on ? vmcs::proc::interrupt_window_exiting : 0))) {
        return Status::invalid_argument;
    }
    v.window = on;
    return Status::ok;
}

// The parts of a load the frequent exits do not supply: the MSR areas
// follow the guest's EFER, and the area MSRs take the supplied values.
void load_rare(Vcpu& v, const abi::VcpuState& s, std::uint64_t mask) {
    if ((mask & abi::vcpu_state::control) != 0) {
        switch_msr_areas(v, s.efer);
    }
    if ((mask & abi::vcpu_state::msrs) != 0) {
        MsrEntry* guest = msr_area(v, guest_msr_area_offset);
        guest[area_star].value = s.msrs.star;
        guest[area_lstar].value = s.msrs.lstar;
        guest[area_cstar].value = s.msrs.cstar;
        guest[area_sfmask].value = s.msrs.sfmask;
        guest[area_kernel_gs_base].value = s.msrs.kernel_gs_base;
    }
}

// With the TPR shadow alone, entry requires the threshold at most the
// virtual TPR's class (SDM Vol. 3C 26.2.1.1), which lives in the VMM's
// page: checked here as supplied; a VMM that lowers its TPR afterwards
// gets a failed entry from the CPU, an error of its own run.
Status check_tpr_threshold(const Vcpu& v, const abi::ApicState& a) {
    namespace av = abi::apic_virt;
    if ((v.apic_features & av::tpr_shadow) == 0 ||
        (v.apic_features & (av::interrupt_delivery | av::apic_accesses)) != 0) {
        return Status::ok;  // the filter refuses the part without a shadow; the rule does not apply otherwise
    }
    const auto* vtpr = phys_to_virt<const volatile std::uint32_t>(v.virtual_apic + 0x80);
    return vtpr != nullptr && (a.tpr_threshold & 0xf) <= ((*vtpr >> 4) & 0xf) ? Status::ok : Status::invalid_argument;
}

}  // namespace

void created(Vcpu& v, std::uint64_t object) {
    // The VMCS region starts with the revision identifier (SDM Vol. 3 24.2);
    // the object is zeroed already.
    *phys_to_virt<std::uint32_t>(object + vmcs_offset) = revision();
    v.object = object;
    v.vpid = next_vpid;
    next_vpid = next_vpid == 0xffff ? 1 : static_cast<std::uint16_t>(next_vpid + 1);
}

void destroyed(const Vcpu& v) {
    if (is_on()) {
        (void)vmcs::vmclear(v.object + vmcs_offset);
    }
    if (current_vmcs == v.object + vmcs_offset) {
        current_vmcs = 0;
    }
}

bool make_current(const Vcpu& v) {
    const std::uint64_t region = v.object + vmcs_offset;
    if (!v.initialised && !v.launched) {
        // A fresh or reconfigured VMCS starts clear, current or not:
        // VMLAUNCH next, which a launched VMCS would refuse.
        if (!vmcs::vmclear(region)) {
            return false;
        }
        current_vmcs = current_vmcs == region ? 0 : current_vmcs;
    }
    if (current_vmcs == region) {
        return true;
    }
    if (!vmcs::vmptrld(region)) {
        return false;
    }
    current_vmcs = region;
    return true;
}

std::uint32_t apic_offered() {
    if (!is_on()) {
        return 0;
    }
    return vmx::apic_offered(control_limits(static_cast<std::uint32_t>(Msr::vmx_procbased_ctls)).allowed1,
                             control_limits(static_cast<std::uint32_t>(Msr::vmx_procbased_ctls2)).allowed1);
}

void set_apic(Vcpu& v, std::uint32_t features, std::uint64_t virtual_apic, std::uint64_t apic_access) {
    v.apic_features = features;
    v.virtual_apic = virtual_apic;
    v.apic_access = apic_access;
    v.initialised = false;
    v.launched = false;
}

Status prepare_slow(Vcpu& v, std::uint64_t ept_root) {
    if (!make_current(v)) {
        return Status::invalid_argument;
    }
    if (!v.initialised) {
        SEPTUM_TRY(initialise(v, ept_root));
    }
    write_host_state(v);
    return Status::ok;
}

static_assert(offsetof(abi::VcpuState, r15) == offsetof(GuestGprs, r15) &&
                  offsetof(abi::VcpuState, rax) == offsetof(GuestGprs, rax),
              "VcpuState begins with the registers in GuestGprs order");

Status load(Vcpu& v, const abi::VcpuState& s, std::uint64_t mask, bool window) {
    // The window request is checked with the state, before anything is
    // written, and takes effect after it.
    if (window && !v.window_allowed) {
        return Status::invalid_argument;
    }
    CurrentVmcs vmcs;
    if ((mask & abi::vcpu_state::apic) != 0) {
        SEPTUM_TRY(check_tpr_threshold(v, s.apic));
    }
    SEPTUM_TRY(load_state(vmcs, limits, s, mask, v.xcr0, v.apic_features));  // checks the MSRs too
    if ((mask & abi::vcpu_state::cr2) != 0) {
        v.cr2 = s.cr2;  // any value: the CPU takes any address in CR2
    }
    if ((mask & (abi::vcpu_state::control | abi::vcpu_state::msrs)) != 0) {
        load_rare(v, s, mask);
    }
    return window == v.window ? Status::ok : change_interrupt_window(v, window);
}

void store(const Vcpu& v, abi::VcpuState& s, std::uint64_t mask) {
    if ((mask & abi::vcpu_state::gprs) != 0) {
        const GuestGprs& g = v.gprs;
        s.rax = g.rax, s.rbx = g.rbx, s.rcx = g.rcx, s.rdx = g.rdx, s.rsi = g.rsi, s.rdi = g.rdi, s.rbp = g.rbp;
        s.r8 = g.r8, s.r9 = g.r9, s.r10 = g.r10, s.r11 = g.r11, s.r12 = g.r12, s.r13 = g.r13, s.r14 = g.r14;
        s.r15 = g.r15;
    }
    const CurrentVmcs vmcs;
    store_state(vmcs, s, mask, v.apic_features);
    if ((mask & abi::vcpu_state::cr2) != 0) {
        s.cr2 = v.cr2;
    }
    if ((mask & (abi::vcpu_state::xcr0 | abi::vcpu_state::msrs)) == 0) {
        return;  // the frequent exits
    }
    if ((mask & abi::vcpu_state::xcr0) != 0) {
        s.xcr0 = v.xcr0;
    }
    if ((mask & abi::vcpu_state::msrs) != 0) {
        // What the CPU stored at the exit (SWAPGS changes KERNEL_GS_BASE
        // without one).
        const MsrEntry* guest = msr_area(v, guest_msr_area_offset);
        s.msrs.star = guest[area_star].value;
        s.msrs.lstar = guest[area_lstar].value;
        s.msrs.cstar = guest[area_cstar].value;
        s.msrs.sfmask = guest[area_sfmask].value;
        s.msrs.kernel_gs_base = guest[area_kernel_gs_base].value;
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

}  // namespace septum::arch::vmx
