// The VCPU object (capabilities/: ObjectKind::vcpu, 8 KiB): a virtual CPU
// that a VMM thread runs. The first page belongs to the hardware (the VMCS
// region on VT-x); the second holds the kernel's Vcpu, with the backend's
// own part in it (arch::virt::VcpuArch). Everything here is generic: the
// run call, the exits the kernel keeps or delivers, and the state page;
// the hardware is reached only through the seam, virt.hpp.
#pragma once

#include <cstdint>

#include "physical.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/slot.hpp"
#include "septum/caps/status.hpp"
#include "virt.hpp"

namespace septum::kernel {

struct Tcb;

struct Vcpu {
    // Capabilities the VCPU runs with (derived copies, as a TCB's): its
    // GuestMemory and its state page.
    enum SlotIndex : unsigned { guest_memory_slot, state_page_slot, slot_count };
    caps::Slot slots[slot_count];
    std::uint64_t want_mask;  // of the run in progress
    bool restart;             // a kernel-kept exit interrupted the run: resume without re-supplying state
    arch::virt::VcpuArch arch;
};
static_assert(sizeof(Vcpu) <= arch::virt::vcpu_size_limit, "the backend owns the rest of the page");

inline Vcpu& vcpu_at(std::uint64_t object) { return *physical_pointer<Vcpu>(object + arch::virt::vcpu_offset); }

// A run, decoded (abi: vcpu_run's supply_mask and want_mask).
struct VcpuRun {
    std::uint64_t supply;  // parts of the state page to load (abi::vcpu_state)
    std::uint64_t want;    // parts to store at the exit
    bool window;           // abi::run_interrupt_window
};

// The one decoder of a run, for the general path and the fast path alike.
Result<VcpuRun> decode_vcpu_run(std::uint64_t raw_supply, std::uint64_t raw_want);

// Runs the VCPU at `object` for the calling VMM thread. Returns only when
// the guest was not entered (then the reply's message info is set); an
// exit returns to the thread by way of vcpu_exited.
Status vcpu_run(Tcb& caller, std::uint64_t object, const VcpuRun& run);

// An exit as the generic kernel sees it: either kept by the kernel (the
// host's interrupt, whose handler the backend has run, or an NMI, or the
// end of the guest's time slice), or delivered to the VMM with its basic
// reason (abi: ExitInfo.reason bits 15:0, the index of
// VcpuPage::want_by_reason).
struct VcpuExit {
    enum class Kind : std::uint8_t { delivered, host_interrupt, timer_tick, nmi, time_slice };
    Kind kind;
    std::uint16_t basic_reason;
};

// The backend's report of an exit, on the kernel stack. Sets the result of
// the VMM thread's run: for a delivered exit its state page and status (the
// thread carries on at once: true), for a kept one a restart of its run
// (the thread goes through the scheduler: false). The backend then leaves
// the kernel that way.
bool vcpu_exited(const VcpuExit& exit);
// The backend's report of an entry the CPU refused: the run returns an
// error, with the CPU's instruction error number in word 0.
void vcpu_entry_failed(std::uint64_t instruction_error);

}  // namespace septum::kernel
