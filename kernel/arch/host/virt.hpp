// The virtualization seam on the simulated machine (the real one is
// kernel/arch/x86_64/virt.hpp): there is no VT-x, so VCPU objects exist,
// are configured, retyped and revoked by the generic kernel code, but a run
// is refused, as on a real CPU without VMX. The second-level tables are the
// real EPT code over the simulated memory, so GuestMemory mappings are
// checked here as on the machine.
#pragma once

#include <cstdint>

#include "guest_tables.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"

namespace septum::arch::virt {

struct VcpuArch {
    bool has_run;  // never, here
};
inline constexpr std::uint64_t vcpu_offset = 4096;
inline constexpr std::uint64_t vcpu_size_limit = 2048;

// False: there is no VT-x here (sim.cpp).
bool available();
inline void created(VcpuArch&, std::uint64_t) {}
inline void destroyed(const VcpuArch&) {}
inline void reset(VcpuArch&) {}
inline Status prepare(VcpuArch&, std::uint64_t) { return Status::invalid_argument; }
inline Status load(VcpuArch&, const abi::VcpuState&, std::uint64_t, bool) { return Status::invalid_argument; }
// Unreachable: prepare refuses every run first.
inline void take_gprs(VcpuArch&, const abi::VcpuState&) {}
[[noreturn]] inline void enter(VcpuArch&, std::uint64_t) { __builtin_trap(); }
inline void store(const VcpuArch&, abi::VcpuState&, std::uint64_t) {}
inline void store_exit(abi::ExitInfo&) {}
inline bool can_store(const VcpuArch& v) { return v.has_run; }

}  // namespace septum::arch::virt
