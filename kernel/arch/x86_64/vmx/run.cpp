// Entering a guest on VT-x and coming back: VMLAUNCH/VMRESUME (entry.S),
// and every exit sorted into those the kernel keeps (the host's
// interrupts and NMIs, the VMX-preemption timer that ends the guest's time
// slice) and those delivered to the VMM. What the generic kernel does with
// either is in kernel/src/object/vcpu.cpp.
#include "interrupts.hpp"
#include "kernel.hpp"
#include "lapic.hpp"
#include "object/vcpu_exit.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "septum/abi/x86.hpp"
#include "virt.hpp"
#include "vmcs.hpp"

namespace septum::arch::vmx {

namespace {

abi::x86::EventInfo interruption() {
    return abi::x86::EventInfo{static_cast<std::uint32_t>(vmcs::vmread(vmcs::Field::exit_interruption_info))};
}

// Sorts an exit into those the kernel keeps and those it delivers; runs
// the host's handler for an external interrupt (acknowledged at the exit,
// its vector in the interruption information).
kernel::VcpuExit sort_exit(abi::ExitReason reason) {
    using Kind = kernel::VcpuExit::Kind;
    const std::uint16_t basic = reason.basic();
    switch (static_cast<abi::VmxExit>(basic)) {
        case abi::VmxExit::external_interrupt: {
            const std::uint8_t vector = interruption().vector();
            run_handler(vector);
            return {vector == lapic::timer_vector ? Kind::timer : Kind::host_interrupt, basic};
        }
        case abi::VmxExit::preemption_timer:
            return {Kind::deadline, basic};
        case abi::VmxExit::exception_or_nmi:
            return {interruption().type() == abi::x86::EventType::nmi ? Kind::nmi : Kind::delivered, basic};
        default:
            return {Kind::delivered, basic};
    }
}

}  // namespace

}  // namespace septum::arch::vmx

using namespace septum;

// vm_enter's failure path lands here with the failed instruction's RFLAGS,
// on a fresh kernel stack: the run returns an error to the VMM.
extern "C" [[noreturn]] void vmentry_failed(std::uint64_t) {
    kernel::vcpu_entry_failed(arch::vmcs::vmread(arch::vmcs::Field::instruction_error));
    kernel::start_user_space();
}

// Every VM exit, on the kernel stack, the guest registers pushed into the
// VCPU's register area (entry.S). The VMM thread carries on at once after
// an exit delivered to it; a kept exit goes through the scheduler.
extern "C" [[noreturn]] void vmexit_dispatch(const arch::vmx::GuestGprs*) {
    using namespace arch::vmx;
    const abi::ExitReason reason{static_cast<std::uint32_t>(arch::vmcs::vmread(arch::vmcs::Field::exit_reason))};
    if (!reason.entry_failed()) {
        running->launched = true;  // VMRESUME from now on
    }
    if (kernel::vcpu_exited(sort_exit(reason))) {
        kernel::resume(*kernel::kernel.current);
    }
    kernel::start_user_space();
}
