// Events: exceptions the kernel intercepted, triple faults, and the
// delivery of virtual interrupts (SDM Vol. 3C 27.6 event injection, 28.2.2
// exit interruption information).
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/local_apic.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

Outcome handle_exception(Guest& guest, Vcpu& vcpu) {
    const abi::ExitInfo& exit = vcpu.exit();
    const x86::EventInfo info{exit.interruption_info};
    if (!info.valid()) {
        return Outcome::stop(StopReason::unhandled_exit, static_cast<std::uint64_t>(abi::VmxExit::exception_or_nmi));
    }
    const x86::EventType type = info.type();
    const std::uint8_t vector = info.vector();
    if (type == x86::EventType::nmi) {
        return Outcome::resume();  // the host's NMI, already handled by the kernel
    }
    if (vector == Vcpu::vector(x86::Vector::mc) || guest.policy.exceptions == Policy::Exceptions::stop) {
        return Outcome::stop(StopReason::exception, info.raw);
    }
    // Reflect: the same event, as the guest would have taken it.
    if (vector == Vcpu::vector(x86::Vector::pf)) {
        vcpu.edit(abi::vcpu_state::cr2).cr2 = exit.qualification;  // the faulting address (SDM Vol. 3C 28.2.1)
    }
    if (info.has_error_code()) {
        vcpu.inject(type, vector, exit.interruption_error);
    } else {
        vcpu.inject(type, vector);
    }
    return Outcome::resume();
}

Outcome handle_triple_fault(Guest& guest, Vcpu& vcpu) {
    guest.reset();
    // The whole state but the APIC virtualization's, which interrupt
    // delivery supplies (with it on) from the APIC's power-on registers.
    abi::VcpuState& s = vcpu.edit(abi::vcpu_state::stored | abi::vcpu_state::injection);
    s = guest.initial;
    s.inject_info = 0;
    return Outcome::reset();
}

namespace {

// Under virtual-interrupt delivery the CPU takes interrupts from the
// page's IRR itself, by the guest interrupt status (SDM Vol. 3C 29.2):
// the VMM says which vector it may deliver (only one the guest can take at
// once: LocalApic::virtual_request), which is in service, and which EOIs
// must exit. Supplied after every exit: an older exit's copy in the state
// page may predate what the CPU has delivered since.
Outcome request_virtual_interrupts(LocalApic& apic, Vcpu& vcpu, Outcome outcome) {
    const LocalApic::VirtualRequest request = apic.virtual_request(vcpu.interruptible());
    abi::ApicState& a = vcpu.edit(abi::vcpu_state::apic).apic;
    a = abi::ApicState{};
    a.rvi = request.rvi;
    a.svi = request.svi;
    for (unsigned w = 0; w < 4; ++w) {
        a.eoi_exit[w] = request.eoi_exit[w];
    }
    vcpu.want_interrupt_window(request.window);
    // A halted guest wakes for an interrupt handed over: one its priority
    // lets through and it can take. Halted with interrupts off it stays
    // halted, however much is pending (Linux's halt and poweroff end so).
    return request.rvi != 0 ? Outcome::resume() : outcome;
}

}  // namespace

Outcome deliver_interrupts(Guest& guest, Vcpu& vcpu, Outcome outcome) {
    if (outcome.action != Action::resume && outcome.action != Action::wait_for_interrupt) {
        return outcome;
    }
    if (guest.apic != nullptr) {
        guest.apic->advance(guest.clock.tsc());  // a timer due by now raises its vector
        if ((guest.apic_virt & abi::apic_virt::interrupt_delivery) != 0) {
            return request_virtual_interrupts(*guest.apic, vcpu, outcome);
        }
    }
    const int next = guest.next_interrupt();
    if (next < 0) {
        return outcome;
    }
    if (vcpu.interruptible()) {
        const auto vector = static_cast<std::uint8_t>(next);
        vcpu.inject_external_interrupt(vector);
        guest.acknowledge(vector);
        // More waiting: exit again once this one is in, rather than when
        // the guest next makes an exit of its own.
        vcpu.want_interrupt_window(guest.interrupt_pending());
        return Outcome::resume();  // a halted guest wakes for it
    }
    // Blocked for now: exit again as soon as it is not (SDM Vol. 3C 26.7.5).
    // Also when another event goes in first: the window opens after it, and
    // without one the interrupt would wait for an exit the guest may never
    // make (found by the Promela model, proofs-of-properties/promela).
    vcpu.want_interrupt_window(true);
    return outcome;
}

}  // namespace septum::vmm
