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
    // GuestMemory and its state page; with APIC virtualization, the
    // frames the hardware's VMCS names (vcpu_configure_apic). A run
    // enters only while it holds every one its configuration uses, so a
    // revoked frame is never reached through a VMCS again.
    enum SlotIndex : unsigned { guest_memory_slot, state_page_slot, virtual_apic_slot, apic_access_slot, slot_count };
    caps::Slot slots[slot_count];
    std::uint64_t want_mask;  // of the run in progress
    std::uint64_t deadline;   // of the run in progress (TSC; 0: none)
    bool restart;             // a kernel-kept exit interrupted the run: resume without re-supplying state
    arch::virt::VcpuArch arch;
};
static_assert(sizeof(Vcpu) <= arch::virt::vcpu_size_limit, "the backend owns the rest of the page");

inline Vcpu& vcpu_at(std::uint64_t object) { return *physical_pointer<Vcpu>(object + arch::virt::vcpu_offset); }

inline abi::VcpuPage& state_page(const Vcpu& v) {
    return *physical_pointer<abi::VcpuPage>(v.slots[Vcpu::state_page_slot].cap.object);
}

// The VCPU object in the guest, while one is (a run sets it, the exit
// takes it).
inline std::uint64_t running_vcpu = 0;

// A run, decoded (abi: vcpu_run's supply_mask, want_mask and deadline):
// three words, so that it travels in registers.
struct VcpuRun {
    std::uint64_t supply;    // checked: parts of the state page, abi::run_interrupt_window and run_halted
    std::uint64_t want;      // parts to store at the exit
    std::uint64_t deadline;  // the TSC at which the run returns exit_reason_deadline (0: none)
    // The parts of the state page to load before entry (abi::vcpu_state).
    [[nodiscard]] std::uint64_t parts() const { return supply & abi::vcpu_state::all; }
    // Whether the run asks for an interrupt window.
    [[nodiscard]] bool window() const { return (supply & abi::run_interrupt_window) != 0; }
    // Whether the guest is halted: the run waits instead of entering it.
    [[nodiscard]] bool halted() const { return (supply & abi::run_halted) != 0; }
};

// The one decoder of a run, for the general path and the fast path alike:
// invalid_argument, or ok with `run` set. Inline, and with an out
// parameter rather than a Result, which GCC keeps in memory: it is on
// every exit's path.
inline Status decode_vcpu_run(std::uint64_t raw_supply, std::uint64_t raw_want, std::uint64_t raw_deadline,
                              VcpuRun& run) {
    if ((raw_supply & ~(abi::vcpu_state::all | abi::run_interrupt_window | abi::run_halted)) != 0) {
        return Status::invalid_argument;
    }
    run = VcpuRun{raw_supply, raw_want & abi::vcpu_state::all, raw_deadline};
    return Status::ok;
}

// Runs the VCPU at `object` for the calling VMM thread. Returns only when
// the guest was not entered (then the reply's message info is set); an
// exit returns to the thread by way of vcpu_exited.
Status vcpu_run(Tcb& caller, std::uint64_t object, VcpuRun run);

// An exit as the generic kernel sees it: either kept by the kernel (the
// host's interrupt, whose handler the backend has run: the timer's is a
// time event; an NMI; or the guest's timer reaching the scheduler's
// deadline, also a time event), or delivered to the VMM with its basic
// reason (abi: ExitInfo.reason bits 15:0, the index of
// VcpuPage::want_by_reason).
struct VcpuExit {
    enum class Kind : std::uint8_t { delivered, host_interrupt, timer, nmi, deadline };
    Kind kind;
    std::uint16_t basic_reason;
};

// The backend's report of an exit is vcpu_exited (object/vcpu_exit.hpp,
// inlined into the backend's exit path).
// The backend's report of an entry the CPU refused: the run returns an
// error, with the CPU's instruction error number in word 0.
void vcpu_entry_failed(std::uint64_t instruction_error);

}  // namespace septum::kernel
