// Moving guest state between a VMM's VcpuState and the VMCS, by mask, with
// the checks that keep a VMM's state from touching the host (SDM Vol. 3
// 26.3.1: the guest-state checks the kernel makes before the CPU does).
#pragma once

#include <cstdint>

#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vcpu.hpp"

namespace septum::arch::vcpu {

// Makes the VCPU's VMCS the current one (VMPTRLD), clearing it first if it
// was never used.
bool make_current(std::uint64_t object);

// Writes the VM-execution controls and constant fields once per VMCS.
Status initialise(Vcpu& v, std::uint64_t ept_root);

// Writes the host state (what an exit returns to) for this entry.
void write_host_state(Vcpu& v);

// Checks and writes the parts of `s` in `mask` into the current VMCS.
Status load(Vcpu& v, const abi::VcpuState& s, std::uint64_t mask);

// Turns interrupt-window exiting on or off for the next entries
// (abi::run_interrupt_window); invalid_argument on a CPU without it.
// Inline for the common case, no change.
Status change_interrupt_window(Vcpu& v, bool on);
inline Status set_interrupt_window(Vcpu& v, bool on) {
    return on == v.window ? Status::ok : change_interrupt_window(v, on);
}

// Reads the parts in `mask`, and the exit information, out of the VMCS.
void store(const Vcpu& v, abi::VcpuState& s, std::uint64_t mask);
void store_exit(abi::ExitInfo& e);

}  // namespace septum::arch::vcpu
