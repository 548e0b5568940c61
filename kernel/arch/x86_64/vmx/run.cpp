// Entering a guest on VT-x and coming back: VMLAUNCH/VMRESUME (entry.S),
// and every exit sorted into those the kernel keeps (the host's
// interrupts and NMIs, the VMX-preemption timer that ends the guest's time
// slice) and those delivered to the VMM. What the generic kernel does with
// either is in kernel/src/object/vcpu.cpp.
#include <cstddef>

#include "interrupts.hpp"
#include "kernel.hpp"
#include "lapic.hpp"
#include "object/vcpu.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "septum/abi/x86.hpp"
#include "virt.hpp"
#include "vmcs.hpp"

// entry.S: loads the guest registers and executes VMLAUNCH or VMRESUME;
// on failure it calls vmentry_failed, on an exit vmexit_dispatch.
extern "C" [[noreturn]] void vm_enter(const septum::arch::vmx::GuestGprs* gprs, bool launched);

namespace septum::arch::virt {

namespace {

vmx::Vcpu* running = nullptr;  // the VCPU in the guest, while one is

abi::x86::EventInfo interruption() {
    return abi::x86::EventInfo{static_cast<std::uint32_t>(vmcs::vmread(vmcs::Field::exit_interruption_info))};
}

}  // namespace

void enter(VcpuArch& v, const abi::VcpuState* supplied) {
    static_assert(offsetof(abi::VcpuState, r15) == offsetof(vmx::GuestGprs, r15) &&
                      offsetof(abi::VcpuState, rax) == offsetof(vmx::GuestGprs, rax),
                  "VcpuState begins with the registers in GuestGprs order");
    running = &v;
    // Supplied registers go in straight from the state page, whose
    // VcpuState starts with them in GuestGprs order.
    vm_enter(supplied != nullptr ? reinterpret_cast<const vmx::GuestGprs*>(supplied) : &v.gprs, v.launched);
}

}  // namespace septum::arch::virt

using namespace septum;

// vm_enter's failure path lands here with the failed instruction's RFLAGS,
// on a fresh kernel stack: the run returns an error to the VMM.
extern "C" [[noreturn]] void vmentry_failed(std::uint64_t) {
    arch::virt::running = nullptr;
    kernel::vcpu_entry_failed(arch::vmcs::vmread(arch::vmcs::Field::instruction_error));
    kernel::start_user_space();
}

namespace {

// Leaves the kernel after an exit, the way the kernel decided.
[[noreturn]] void exited(const kernel::VcpuExit& exit) {
    if (kernel::vcpu_exited(exit)) {
        kernel::resume(*kernel::kernel.current);
    }
    kernel::start_user_space();
}

}  // namespace

// Every VM exit, on the kernel stack, the guest registers pushed into the
// VCPU's register area (entry.S).
extern "C" [[noreturn]] void vmexit_dispatch(const arch::vmx::GuestGprs*) {
    using Kind = kernel::VcpuExit::Kind;
    const abi::ExitReason reason{static_cast<std::uint32_t>(arch::vmcs::vmread(arch::vmcs::Field::exit_reason))};
    if (!reason.entry_failed()) {
        arch::virt::running->launched = true;  // VMRESUME from now on
    }
    arch::virt::running = nullptr;
    const std::uint16_t basic = reason.basic();
    if (reason.is(abi::VmxExit::external_interrupt)) {
        // Acknowledged at the exit: the vector is in the interruption
        // information, and the host's handler runs now.
        const std::uint8_t vector = arch::virt::interruption().vector();
        arch::run_handler(vector);
        exited({vector == arch::lapic::timer_vector ? Kind::timer_tick : Kind::host_interrupt, basic});
    }
    if (reason.is(abi::VmxExit::preemption_timer)) {
        exited({Kind::time_slice, basic});
    }
    if (reason.is(abi::VmxExit::exception_or_nmi) && arch::virt::interruption().type() == abi::x86::EventType::nmi) {
        exited({Kind::nmi, basic});
    }
    exited({Kind::delivered, basic});
}
