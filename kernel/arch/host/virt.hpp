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
    std::uint32_t apic_features;
    std::uint64_t virtual_apic, apic_access;
};
inline constexpr std::uint64_t vcpu_offset = 4096;
inline constexpr std::uint64_t vcpu_size_limit = 2048;

// False: there is no VT-x here (sim.cpp).
bool available();
inline void created(VcpuArch&, std::uint64_t) {}
inline void destroyed(const VcpuArch&) {}
inline void reset(VcpuArch&) {}
// The APIC virtualization features the simulated CPU offers: none unless
// a test says otherwise (sim.cpp), so that the decoding is tried both ways.
std::uint32_t apic_offered();
inline void set_apic(VcpuArch& v, std::uint32_t features, std::uint64_t virtual_apic, std::uint64_t apic_access) {
    v.apic_features = features;
    v.virtual_apic = virtual_apic;
    v.apic_access = apic_access;
}
inline std::uint32_t apic_features(const VcpuArch& v) { return v.apic_features; }
inline Status prepare(VcpuArch&, std::uint64_t) { return Status::invalid_argument; }
inline Status load(VcpuArch&, const abi::VcpuState&, std::uint64_t, bool) { return Status::invalid_argument; }
// Unreachable: prepare refuses every run first.
inline void take_gprs(VcpuArch&, const abi::VcpuState&) {}
[[noreturn]] inline void enter(VcpuArch&, std::uint64_t) { __builtin_trap(); }
inline void store(const VcpuArch&, abi::VcpuState&, std::uint64_t) {}
inline void store_exit(abi::ExitInfo&) {}
inline bool can_store(const VcpuArch& v) { return v.has_run; }

}  // namespace septum::arch::virt
