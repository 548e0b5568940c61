// The VCPU interface between the kernel and a VMM server (the brief's
// "run" call): the guest state a VMM supplies and wants back, moved by mask
// both ways, and what an exit reports. The state travels in the VCPU's state
// page, a 4 KiB Frame the VMM maps and gives the VCPU at configuration.
//
// A VMM never sees or sets host state, the EPT pointer, the VPID or the
// VM-execution controls that keep the kernel in charge; the kernel checks
// the state it is given against the VM-entry checks before entry.
#pragma once

#include <cstdint>

namespace septum::abi {

// Which parts of VcpuState a run supplies (kernel reads them before entry)
// or wants back (kernel writes them after the exit).
namespace vcpu_state {
inline constexpr std::uint64_t gprs = 1u << 0;  // rax..r15 except rsp
inline constexpr std::uint64_t rsp_rip_rflags = 1u << 1;
inline constexpr std::uint64_t control = 1u << 2;  // cr0, cr3, cr4, efer (and cr0/cr4 read shadows)
inline constexpr std::uint64_t cr2 = 1u << 3;
inline constexpr std::uint64_t segments = 1u << 4;          // cs ds es fs gs ss tr ldtr
inline constexpr std::uint64_t tables = 1u << 5;            // gdtr idtr
inline constexpr std::uint64_t interruptibility = 1u << 6;  // interruptibility and activity state
inline constexpr std::uint64_t injection = 1u << 7;         // an event to inject at entry (supply only)
inline constexpr std::uint64_t xcr0 = 1u << 8;
inline constexpr std::uint64_t msrs = 1u << 9;  // GuestMsrs: SYSENTER, PAT, SYSCALL, KERNEL_GS_BASE
// ApicState: the guest interrupt status, EOI-exit bitmap and TPR threshold
// of the CPU's APIC virtualization (refused unless the VCPU has a
// virtual-APIC page: vcpu_configure_apic).
inline constexpr std::uint64_t apic = 1u << 10;
inline constexpr std::uint64_t all = (1u << 11) - 1;
// The parts every VCPU has, which a run can store: all but the injection,
// which is supply-only, and the APIC virtualization's, which only a VCPU
// with a virtual-APIC page has (then stored | apic).
inline constexpr std::uint64_t stored = all & ~injection & ~apic;
}  // namespace vcpu_state

// A request, not state: in a run's supply_mask, this bit asks for an exit
// (VmxExit::interrupt_window) as soon as the guest can take an external
// interrupt, so that the VMM can inject one it holds. Without it the run
// clears the request. Refused on a CPU without interrupt-window exiting.
inline constexpr std::uint64_t run_interrupt_window = std::uint64_t{1} << 32;

// A request too: the guest is halted (it ran HLT and the VMM has nothing
// to deliver), so the run does not enter it; the VMM thread waits, using no
// CPU, until its bound Notification is signalled or the run's deadline
// passes, and the run returns exit_reason_signal or exit_reason_deadline.
// Refused without a bound Notification (it would have nothing to wait on).
inline constexpr std::uint64_t run_halted = std::uint64_t{1} << 33;

struct Segment {
    std::uint64_t base;
    std::uint32_t limit;
    std::uint32_t access_rights;  // VMCS format (SDM Vol. 3 24.4.1); bit 16 set: unusable
    std::uint16_t selector;
    std::uint16_t reserved[3];
};

struct DescriptorTable {
    std::uint64_t base;
    std::uint32_t limit;
    std::uint32_t reserved;
};

// The guest's MSRs the CPU uses without an exit: SYSENTER and PAT travel
// in the VMCS, the SYSCALL MSRs and KERNEL_GS_BASE (which SWAPGS changes)
// in the VCPU's MSR load and store areas. Every RDMSR and WRMSR of the
// guest exits to its VMM, which keeps their values and supplies them here.
struct GuestMsrs {
    std::uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    std::uint64_t pat;
    std::uint64_t star, lstar, cstar, sfmask;
    std::uint64_t kernel_gs_base;
};

// The CPU's APIC virtualization (SDM Vol. 3C chapter 29), which a VMM
// asks for with vcpu_configure_apic. Each feature is a VM-execution
// control; the kernel turns on only what the CPU offers and the SDM
// allows together (26.2.1.1: see apic_virt::valid).
namespace apic_virt {
// Use TPR shadow: CR8 and the TPR live in the VMM's virtual-APIC page.
inline constexpr std::uint32_t tpr_shadow = 1u << 0;
// Virtualize APIC accesses: the guest's xAPIC page (the APIC-access
// page, a Frame the VMM maps in guest memory at the xAPIC's address) is
// read and written in the virtual-APIC page, or exits (APIC access).
inline constexpr std::uint32_t apic_accesses = 1u << 1;
// Virtualize x2APIC mode: the x2APIC MSRs that the other features cover
// reach the virtual-APIC page without an exit; every other MSR exits.
inline constexpr std::uint32_t x2apic_mode = 1u << 2;
// APIC-register virtualization: reads of most registers come from the
// page; writes land there and exit after (APIC write).
inline constexpr std::uint32_t register_virtualization = 1u << 3;
// Virtual-interrupt delivery: the CPU takes interrupts from the page's
// IRR by the guest interrupt status (RVI) and retires them at EOI.
inline constexpr std::uint32_t interrupt_delivery = 1u << 4;
inline constexpr std::uint32_t all = (1u << 5) - 1;

// Combinations the SDM's entry checks allow (Vol. 3C 26.2.1.1): the TPR
// shadow under every feature that uses the page, and never the x2APIC
// and xAPIC page virtualizations together.
constexpr bool valid(std::uint32_t features) {
    constexpr std::uint32_t need_shadow = x2apic_mode | register_virtualization | interrupt_delivery;
    return (features & ~all) == 0 && ((features & need_shadow) == 0 || (features & tpr_shadow) != 0) &&
           (features & (apic_accesses | x2apic_mode)) != (apic_accesses | x2apic_mode);
}
}  // namespace apic_virt

// The VMCS fields of APIC virtualization a VMM sets (vcpu_state::apic).
// The guest interrupt status and the EOI-exit bitmap need
// virtual-interrupt delivery (0 without it); the TPR threshold (bits 3:0
// only) matters without it, for the TPR-below-threshold exit.
struct ApicState {
    std::uint8_t rvi;  // requesting virtual interrupt: the highest vector in the page's IRR (0: none)
    std::uint8_t svi;  // servicing virtual interrupt: the highest vector in the page's ISR (0: none)
    std::uint16_t reserved;
    std::uint32_t tpr_threshold;
    std::uint64_t eoi_exit[4];  // bit v of word v / 64: an EOI of vector v exits (virtualized EOI)
};

struct VcpuState {
    // In the order the kernel pushes them at an exit (r15 first), so that a
    // run can load them straight from the state page.
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    std::uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    std::uint64_t rsp, rip, rflags;
    std::uint64_t cr0, cr2, cr3, cr4, efer, xcr0;
    Segment cs, ds, es, fs, gs, ss, tr, ldtr;
    DescriptorTable gdtr, idtr;
    std::uint32_t interruptibility;  // x86::interruptibility bits
    std::uint32_t activity;          // an x86::Activity
    // Injection at the next entry: interruption information (an
    // x86::EventInfo), error code, instruction length.
    std::uint32_t inject_info;
    std::uint32_t inject_error;
    std::uint32_t inject_length;
    std::uint32_t reserved;
    GuestMsrs msrs;
    ApicState apic;
};

// What the last exit reported (SDM Vol. 3 24.9), written by every run.
struct ExitInfo {
    std::uint32_t reason;  // an ExitReason (vmx_exit.hpp), or exit_reason_signal
    std::uint32_t instruction_length;
    std::uint64_t qualification;
    std::uint32_t instruction_info;
    std::uint32_t interruption_info;  // exit interruption information (an x86::EventInfo)
    std::uint32_t interruption_error;
    std::uint32_t idt_vectoring_info;  // an x86::EventInfo
    std::uint32_t idt_vectoring_error;
    std::uint32_t interruptibility;
    std::uint64_t guest_physical;
    std::uint64_t guest_linear;
};

// A run that ended because the VMM thread's bound notification was
// signalled, not because of a guest exit: ExitInfo::reason has this value
// and the notification word is returned as the badge.
inline constexpr std::uint32_t exit_reason_signal = 0x10000;
// A run that ended because the TSC reached the run's deadline (the VMM's
// own timer: its guest's next timer event), in the guest or while it was
// halted. The guest state in want_mask is stored as at any exit.
inline constexpr std::uint32_t exit_reason_deadline = 0x10001;

// How much state an exit brings back depends on its reason (NOVA's
// message transfer descriptor per exit portal): at an exit whose basic
// reason is below want_table_size, the kernel stores the run's `want` mask
// together with want_by_reason[reason]. A VMM asks for little on the
// frequent exits its handlers answer from a few registers (CPUID, port
// I/O) and for everything on the rest. The kernel reads an entry once, as
// a mask of vcpu_state bits: no value can do harm.
inline constexpr std::uint32_t want_table_size = 80;

// The VCPU's state page.
struct VcpuPage {
    VcpuState state;
    ExitInfo exit;
    std::uint16_t want_by_reason[want_table_size];
};
static_assert(sizeof(VcpuPage) <= 4096, "the state page is one 4 KiB frame");

}  // namespace septum::abi
