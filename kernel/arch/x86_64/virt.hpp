// The seam between the generic VCPU and GuestMemory objects
// (kernel/src/object/vcpu, guest_memory) and the processor's
// virtualization extensions. Generic code calls only what this file
// declares; on x86_64 it is VT-x (vmx/). An AMD-V backend (svm/) sits
// beside vmx/ and this file chooses between the two at boot; the generic
// code does not change. The simulated machine has its own copy
// (kernel/arch/host/virt.hpp), found first by include path.
#pragma once

#include <cstdint>

#include "cpu.hpp"
#include "guest_tables.hpp"
#include "layout.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vmx/vcpu.hpp"

namespace septum::arch::virt {

// --- the VCPU ---------------------------------------------------------------

// The backend's part of a VCPU, inside the kernel's Vcpu. The kernel's Vcpu
// starts the object's second page and may take its first half; the second
// half is the backend's (the MSR areas on VT-x).
using VcpuArch = vmx::Vcpu;
inline constexpr std::uint64_t vcpu_offset = 4096;
inline constexpr std::uint64_t vcpu_size_limit = 2048;

// Whether guests can run on this machine (VT-x is on).
inline bool available() { return vmx_active; }

inline void created(VcpuArch& v, std::uint64_t object) { vmx::created(v, object); }
inline void destroyed(const VcpuArch& v) { vmx::destroyed(v); }

// The CPU's APIC virtualization (abi::apic_virt): what this processor
// offers, and a VCPU's features with the physical addresses of its
// virtual-APIC and APIC-access pages (the caller holds their frames).
inline std::uint32_t apic_offered() { return vmx::apic_offered(); }
inline void set_apic(VcpuArch& v, std::uint32_t features, std::uint64_t virtual_apic, std::uint64_t apic_access) {
    vmx::set_apic(v, features, virtual_apic, apic_access);
}
inline std::uint32_t apic_features(const VcpuArch& v) { return v.apic_features; }

// A reconfigured VCPU (a new guest memory) starts afresh: its controls and
// constant fields are written again before the next entry.
inline void reset(VcpuArch& v) {
    v.initialised = false;
    v.launched = false;
}

// Everything before an entry that can fail on the hardware's side.
inline Status prepare(VcpuArch& v, std::uint64_t guest_memory) { return vmx::prepare(v, guest_memory); }

// Checks the parts of `s` in `mask` against the entry checks and loads
// them, then sets the interrupt-window request; nothing is loaded when a
// check fails.
inline Status load(VcpuArch& v, const abi::VcpuState& s, std::uint64_t mask, bool window) {
    return vmx::load(v, s, mask, window);
}

// Takes the supplied general registers from the state page: they go in
// at the next entry.
inline void take_gprs(VcpuArch& v, const abi::VcpuState& s) {
    // The state page's VcpuState starts with the registers in GuestGprs
    // order (vmx/vcpu.cpp checks it).
    v.gprs = *reinterpret_cast<const vmx::GuestGprs*>(&s);
}

// Enters the guest with its registers (taken or saved at the last exit),
// until the TSC reaches `deadline` at the latest (the
// scheduler's next decision, carried out by the VMX-preemption timer).
// Never returns: an exit goes to kernel::vcpu_exited (kept or delivered,
// as the backend sorts it: kernel::VcpuExit), an entry the CPU refused to
// kernel::vcpu_entry_failed.
[[noreturn]] inline void enter(VcpuArch& v, std::uint64_t deadline) {
    vmx::set_deadline(deadline);
    vmx::enter(v, &v.gprs);
}

// The guest state and the exit information of the last exit, by mask.
inline void store(const VcpuArch& v, abi::VcpuState& s, std::uint64_t mask) { vmx::store(v, s, mask); }
inline void store_exit(abi::ExitInfo& e) { vmx::store_exit(e); }

// Between runs: whether the VCPU's state can be stored (it has run, and
// its state is reachable).
inline bool can_store(const VcpuArch& v) { return vmx_active && v.initialised && vmx::make_current(v); }

}  // namespace septum::arch::virt
