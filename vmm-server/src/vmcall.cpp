// VMCALL: the hypercall ABI of hypercall.hpp.
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/hypercall.hpp>

namespace septum::vmm {

Outcome handle_vmcall(Guest& guest, Vcpu& vcpu) {
    const abi::VcpuState& s = vcpu.state();
    // A guest's user programs must not reach the VMM behind their kernel.
    if (vcpu.cpl() != 0) {
        vcpu.set_gpr(0, hypercall::not_permitted);
        vcpu.skip_instruction();
        return Outcome::resume();
    }
    const std::uint64_t argument = s.rbx;
    std::uint64_t result = hypercall::success;
    switch (static_cast<hypercall::Function>(s.rax)) {
        case hypercall::Function::version:
            result = hypercall::abi_version;
            break;
        case hypercall::Function::console_put: {
            const char c = static_cast<char>(argument & 0xff);
            guest.console.put(&c, 1);
            break;
        }
        case hypercall::Function::stop:
            return Outcome::stop(StopReason::guest_request, argument);
        default:
            result = hypercall::unknown_function;
            break;
    }
    vcpu.set_gpr(0, result);
    vcpu.skip_instruction();
    return Outcome::resume();
}

}  // namespace septum::vmm
