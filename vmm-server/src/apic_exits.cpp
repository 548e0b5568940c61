// The exits of the CPU's APIC virtualization (SDM Vol. 3C chapter 29),
// when the program turned it on (Guest::apic_virt): the local APIC's
// registers are the virtual-APIC page, which the CPU reads and writes
// itself; what it leaves to the VMM comes here. Interrupt delivery through
// the guest interrupt status is deliver_interrupts' (event_exits.cpp).
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/local_apic.hpp>
#include <septum/vmm/platform.hpp>
#include <septum/vmm/qualification.hpp>

namespace septum::vmm {

namespace {

Outcome without_apic(Guest& guest, Vcpu& vcpu, abi::VmxExit reason) {
    // The exits of a feature only a guest with a local APIC can have on.
    return refuse_access(guest, vcpu, StopReason::unhandled_exit, static_cast<std::uint64_t>(reason));
}

}  // namespace

// A read the CPU does not virtualize (the timer's current count, APR) or,
// without APIC-register virtualization, any access: emulated as MMIO at
// the xAPIC's address. The exit is fault-like: RIP is on the instruction.
Outcome handle_apic_access(Guest& guest, Vcpu& vcpu, GuestMemory& memory) {
    if (guest.apic == nullptr) {
        return without_apic(guest, vcpu, abi::VmxExit::apic_access);
    }
    const ApicAccessQualification q = decode_apic_access(vcpu.exit().qualification);
    const std::uint64_t gpa = pc::local_apic_base + q.offset;
    if (q.type != ApicAccessType::linear_read && q.type != ApicAccessType::linear_write) {
        return refuse_access(guest, vcpu, StopReason::unclaimed_access, gpa);
    }
    return emulate_mmio(guest, vcpu, memory, gpa, q.type == ApicAccessType::linear_write);
}

// Trap-like: the write is done and RIP past it.
Outcome handle_apic_write(Guest& guest, Vcpu& vcpu) {
    if (guest.apic == nullptr) {
        return without_apic(guest, vcpu, abi::VmxExit::apic_write);
    }
    guest.apic->apic_written(apic_write_offset(vcpu.exit().qualification));
    return Outcome::resume();
}

Outcome handle_virtualized_eoi(Guest& guest, Vcpu& vcpu) {
    if (guest.apic == nullptr) {
        return without_apic(guest, vcpu, abi::VmxExit::virtualized_eoi);
    }
    guest.apic->virtualized_eoi(virtualized_eoi_vector(vcpu.exit().qualification));
    return Outcome::resume();
}

Outcome handle_tpr_below_threshold(Guest& guest, Vcpu& vcpu) {
    if (guest.apic == nullptr) {
        return without_apic(guest, vcpu, abi::VmxExit::tpr_below_threshold);
    }
    guest.apic->tpr_written();
    return Outcome::resume();
}

}  // namespace septum::vmm
