// VT-x's part of a VCPU: the VMCS in the object's first page, and the
// state the kernel keeps beside it (vmx::Vcpu, inside the generic
// kernel::Vcpu in the object's second page). Moving guest state between a
// VMM's VcpuState and the VMCS goes by mask, through the VM-entry checks
// of entry_checks.hpp (SDM Vol. 3 26.3.1: the kernel checks before the
// CPU does).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vmcs.hpp"

namespace septum::arch::vmx {

// Guest general registers the VMCS does not hold, in the order entry.S
// pushes them at an exit (gprs.inc: r15 at the lowest address), which is
// also their order at the start of abi::VcpuState.
struct GuestGprs {
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    std::uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

struct Vcpu {
    GuestGprs gprs;
    // CR2 is in no VMCS area: the guest's value is loaded before every
    // entry and saved at every exit (entry.S), because between a guest's
    // page fault and its handler's read of CR2 an exit can let another
    // guest or the host fault and overwrite it.
    std::uint64_t cr2;
    std::uint64_t object;  // the VCPU object (its first page is the VMCS region)
    std::uint64_t xcr0;
    std::uint64_t host_cr3;       // HOST_CR3 as last written (0: not yet)
    std::uint32_t proc_controls;  // the primary processor-based controls, without a window request
    // APIC virtualization (abi::apic_virt), set by set_apic: the features
    // and the physical addresses of the virtual-APIC page and the
    // APIC-access page (0 where the features need none). The generic VCPU
    // holds capabilities to both frames and enters only while it does.
    std::uint32_t apic_features;
    std::uint64_t virtual_apic;
    std::uint64_t apic_access;
    std::uint16_t vpid;
    bool window_allowed;  // the CPU offers interrupt-window exiting
    bool window;          // the VMCS has interrupt-window exiting on
    bool msr_areas_on;    // the MSR areas are loaded at entries and exits
    bool initialised;     // controls and constant fields written
    bool launched;        // VMLAUNCH done since the last VMCLEAR
};

inline constexpr std::uint64_t vmcs_offset = 0;
inline constexpr std::size_t guest_cr2_offset = 120;  // entry.S: Vcpu::cr2 from the GuestGprs frame
static_assert(offsetof(Vcpu, cr2) == guest_cr2_offset && sizeof(GuestGprs) == guest_cr2_offset,
              "entry.S finds the guest's CR2 right after its registers");

// The guest MSRs the VMCS has no field for travel in MSR areas (SDM Vol. 3
// 24.7.2, 24.8.2) in the second half of the VCPU's second page (the first
// half holds the kernel's Vcpu, virt.hpp): the guest's (loaded at entry,
// stored at exit) and the host's (loaded at exit).
struct MsrEntry {
    std::uint32_t index;
    std::uint32_t reserved;
    std::uint64_t value;
};
enum AreaMsr : unsigned { area_star, area_lstar, area_cstar, area_sfmask, area_kernel_gs_base, area_msr_count };
inline constexpr std::uint64_t guest_msr_area_offset = 4096 + 2048;
inline constexpr std::uint64_t host_msr_area_offset = guest_msr_area_offset + 256;
static_assert(area_msr_count * sizeof(MsrEntry) <= 256, "each MSR area fits its 256 bytes");

// Object lifecycle: a new VCPU gets its VMCS revision and a VPID; a
// destroyed one is cleared from the CPU.
void created(Vcpu& v, std::uint64_t object);
void destroyed(const Vcpu& v);

// The APIC virtualization features this processor offers (abi::apic_virt;
// 0 without VMX on).
std::uint32_t apic_offered();
// Gives the VCPU its APIC virtualization (features the caller checked
// against apic_offered and abi::apic_virt::valid): its controls are
// written afresh before the next entry, as after a reconfiguration.
void set_apic(Vcpu& v, std::uint32_t features, std::uint64_t virtual_apic, std::uint64_t apic_access);

// The VMCS loaded on this CPU (0: none), and the VCPU entered last
// (enter() sets it; only the exit, or a failed entry, that follows reads
// it).
inline std::uint64_t current_vmcs = 0;
inline Vcpu* running = nullptr;

// Everything before an entry that can fail: makes the VMCS current
// (VMPTRLD, clearing a fresh one first), writes the controls and constant
// fields once per VMCS (the EPT root given), and the host state. Inline
// for the common case, the VCPU that ran last from the same address space.
Status prepare_slow(Vcpu& v, std::uint64_t ept_root);
inline Status prepare(Vcpu& v, std::uint64_t ept_root) {
    if (current_vmcs == v.object + vmcs_offset && v.initialised && read_cr3() == v.host_cr3) {
        return Status::ok;
    }
    return prepare_slow(v, ept_root);
}

// Checks and writes the parts of `s` in `mask` into the current VMCS, then
// turns interrupt-window exiting on or off (abi::run_interrupt_window);
// nothing is written when a check fails.
Status load(Vcpu& v, const abi::VcpuState& s, std::uint64_t mask, bool window);

// The VMX-preemption timer counts down once every 2^rate TSC cycles
// (IA32_VMX_MISC[4:0], SDM Vol. 3 25.5.1); read when a VMCS is first set up.
inline unsigned preemption_rate = 0;

// Sets the preemption timer so that the guest exits when the TSC reaches
// `deadline` (at once if it has): reloaded at every entry, so no guest
// keeps the CPU past the scheduler's next decision, whatever it masks.
inline void set_deadline(std::uint64_t deadline) {
    const std::uint64_t now = rdtsc();
    const std::uint64_t left = deadline > now ? (deadline - now) >> preemption_rate : 0;
    (void)vmcs::vmwrite(vmcs::Field::preemption_timer_value, left > 0xffffffffu ? 0xffffffffu : left);
}

// Enters the guest (entry.S: VMLAUNCH or VMRESUME) with the registers in
// `gprs`; never returns (run.cpp takes the exit or the failed entry).
extern "C" [[noreturn]] void vm_enter(const GuestGprs* gprs, bool launched);
[[noreturn]] inline void enter(Vcpu& v, const GuestGprs* gprs) {
    running = &v;
    vm_enter(gprs, v.launched);
}

// Reads the parts in `mask`, and the exit information, out of the VMCS.
void store(const Vcpu& v, abi::VcpuState& s, std::uint64_t mask);
void store_exit(abi::ExitInfo& e);

// Makes the VCPU's VMCS current for a store between runs.
bool make_current(const Vcpu& v);

}  // namespace septum::arch::vmx
