// The VCPU object (capabilities/: ObjectKind::vcpu, 8 KiB): the VMCS region
// in its first page, the kernel's side of the virtual CPU in the second.
#pragma once

#include <cstdint>

#include "septum/caps/slot.hpp"

namespace septum::arch::vcpu {

// Guest general registers the VMCS does not hold, in the order vmx_entry.S
// pushes them at an exit (gprs.inc: r15 at the lowest address), which is
// also their order at the start of abi::VcpuState.
struct GuestGprs {
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    std::uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

struct Vcpu {
    // Capabilities the VCPU runs with (derived copies, as a TCB's): its
    // GuestMemory and its state page.
    enum SlotIndex : unsigned { guest_memory_slot, state_page_slot, slot_count };
    caps::Slot slots[slot_count];
    GuestGprs gprs;
    std::uint64_t xcr0;
    std::uint64_t want_mask;      // of the run in progress
    std::uint64_t host_cr3;       // HOST_CR3 as last written (0: not yet)
    std::uint32_t proc_controls;  // the primary processor-based controls, without a window request
    std::uint16_t vpid;
    bool window_allowed;  // the CPU offers interrupt-window exiting
    bool window;          // the VMCS has interrupt-window exiting on
    bool msr_areas_on;    // the MSR areas are loaded at entries and exits
    bool initialised;     // controls and constant fields written
    bool launched;        // VMLAUNCH done since the last VMCLEAR
    bool restart;         // a kernel-kept exit interrupted the run: resume without re-supplying state
};

inline constexpr std::uint64_t vmcs_offset = 0;
inline constexpr std::uint64_t vcpu_offset = 4096;

// The guest MSRs the VMCS has no field for travel in MSR areas (SDM Vol. 3
// 24.7.2, 24.8.2) in the VCPU's second page, after the Vcpu: the guest's
// (loaded at entry, stored at exit) and the host's (loaded at exit).
struct MsrEntry {
    std::uint32_t index;
    std::uint32_t reserved;
    std::uint64_t value;
};
enum AreaMsr : unsigned { area_star, area_lstar, area_cstar, area_sfmask, area_kernel_gs_base, area_msr_count };
inline constexpr std::uint64_t guest_msr_area_offset = vcpu_offset + 2048;
inline constexpr std::uint64_t host_msr_area_offset = guest_msr_area_offset + 256;
static_assert(sizeof(Vcpu) <= 2048 && area_msr_count * sizeof(MsrEntry) <= 256, "the VCPU's second page holds all");

// Object lifecycle (kernel_machine.cpp): a new VCPU gets its VMCS revision
// and a VPID; a destroyed one is cleared from the CPU.
void created(std::uint64_t object);
void destroyed(std::uint64_t object);

Vcpu& at(std::uint64_t object);

}  // namespace septum::arch::vcpu
