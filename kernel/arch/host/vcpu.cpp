// VCPUs on the simulated machine: the objects exist (so capabilities,
// retype, revoke and their slots are exercised) but there is no VT-x, so
// running one is refused, as on a real CPU without VMX.
#include "vcpu.hpp"
#include "invocation.hpp"
#include "layout.hpp"

namespace septum::arch::vcpu {

Vcpu& at(std::uint64_t object) { return *phys_to_virt<Vcpu>(object + vcpu_offset); }
void created(std::uint64_t) {}
void destroyed(std::uint64_t) {}

}  // namespace septum::arch::vcpu

namespace septum::kernel {

Status invoke_vcpu(Kernel&, Tcb&, caps::Slot&, abi::Invocation, const Arguments&) {
    return Status::invalid_argument;  // no VT-x on the simulated machine
}

Status vcpu_run(Tcb&, std::uint64_t, std::uint64_t, std::uint64_t) { return Status::invalid_argument; }

}  // namespace septum::kernel
