#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

using abi::VmxExit;

Outcome undefined_opcode(Vcpu& vcpu) {
    vcpu.inject_ud();
    return Outcome::resume();
}

Outcome skip(Vcpu& vcpu) {
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome unhandled(std::uint16_t basic) { return Outcome::stop(StopReason::unhandled_exit, basic); }

Outcome dispatch(Guest& guest, Vcpu& vcpu, GuestMemory& memory, std::uint16_t basic) {
    switch (static_cast<VmxExit>(basic)) {
        case VmxExit::exception_or_nmi:
            return handle_exception(guest, vcpu);
        // The kernel's exits; should one reach the VMM, running on is right.
        case VmxExit::external_interrupt:
        case VmxExit::preemption_timer:
        case VmxExit::io_smi:
        case VmxExit::other_smi:
        // Exits this VMM never asks for carry no work; the next entry
        // decides again whether to ask (interrupt window: deliver_interrupts).
        case VmxExit::interrupt_window:
        case VmxExit::nmi_window:
        case VmxExit::monitor_trap_flag:
            return Outcome::resume();
        case VmxExit::triple_fault:
        case VmxExit::init_signal:    // INIT resets the processor (SDM Vol. 3A 9.1)
            return Outcome::reset();  // handle_exit resets the machine
        case VmxExit::cpuid:
            return handle_cpuid(guest, vcpu);
        case VmxExit::hlt:
            return handle_hlt(guest, vcpu);
        case VmxExit::rdtsc:
            return handle_rdtsc(guest, vcpu, false);
        case VmxExit::rdtscp:
            return handle_rdtsc(guest, vcpu, true);
        case VmxExit::vmcall:
            return handle_vmcall(guest, vcpu);
        case VmxExit::cr_access:
            return handle_cr_access(guest, vcpu);
        case VmxExit::dr_access:
            return handle_dr_access(guest, vcpu);
        case VmxExit::io_instruction:
            return handle_io(guest, vcpu, memory);
        case VmxExit::rdmsr:
            return handle_rdmsr(guest, vcpu);
        case VmxExit::wrmsr:
            return handle_wrmsr(guest, vcpu);
        case VmxExit::ept_violation:
            return handle_ept_violation(guest, vcpu, memory);
        case VmxExit::apic_access:
            return handle_apic_access(guest, vcpu, memory);
        case VmxExit::apic_write:
            return handle_apic_write(guest, vcpu);
        case VmxExit::virtualized_eoi:
            return handle_virtualized_eoi(guest, vcpu);
        case VmxExit::tpr_below_threshold:
            return handle_tpr_below_threshold(guest, vcpu);
        case VmxExit::xsetbv:
            return handle_xsetbv(guest, vcpu);
        case VmxExit::rdrand:
        case VmxExit::rdseed:
            return handle_rdrand(guest, vcpu);
        // Caches the guest cannot observe through EPT write-back memory;
        // PAUSE only says "spinning".
        case VmxExit::invd:
        case VmxExit::wbinvd:
        case VmxExit::pause:
            return skip(vcpu);
        case VmxExit::rdpmc:  // no performance counters are shown
            vcpu.inject_gp();
            return Outcome::resume();
        // Instructions of features CPUID hides: #UD, as on a CPU without them.
        case VmxExit::getsec:
        case VmxExit::rsm:
        case VmxExit::vmclear:
        case VmxExit::vmlaunch:
        case VmxExit::vmptrld:
        case VmxExit::vmptrst:
        case VmxExit::vmread:
        case VmxExit::vmresume:
        case VmxExit::vmwrite:
        case VmxExit::vmxoff:
        case VmxExit::vmxon:
        case VmxExit::invept:
        case VmxExit::invvpid:
        case VmxExit::vmfunc:
        case VmxExit::mwait:
        case VmxExit::monitor:
        case VmxExit::invpcid:
        case VmxExit::encls:
        case VmxExit::xsaves:
        case VmxExit::xrstors:
        case VmxExit::umwait:
        case VmxExit::tpause:
        case VmxExit::loadiwkey:
            return undefined_opcode(vcpu);
        case VmxExit::entry_invalid_guest_state:
        case VmxExit::entry_msr_loading:
        case VmxExit::entry_machine_check:
            return Outcome::stop(StopReason::entry_failure, basic);
        // Known, but for features this VMM does not use yet (INVLPG exiting,
        // descriptor-table exiting, task switches, APs, PML, SPP) or that
        // mean the kernel's EPT is broken.
        case VmxExit::sipi:
        case VmxExit::task_switch:
        case VmxExit::invlpg:
        case VmxExit::gdtr_idtr_access:
        case VmxExit::ldtr_tr_access:
        case VmxExit::ept_misconfiguration:
        case VmxExit::pml_full:
        case VmxExit::spp_event:
            return unhandled(basic);
    }
    return Outcome::stop(StopReason::unknown_exit, basic);
}

// An exit that interrupted the delivery of an event loses the event unless
// the VMM injects it again (SDM Vol. 3C 28.2.4, 29.2.3).
void reinject_vectored_event(Vcpu& vcpu) {
    const abi::ExitInfo& exit = vcpu.exit();
    const x86::EventInfo info{exit.idt_vectoring_info};
    if (!info.valid() || vcpu.event_pending()) {
        return;
    }
    abi::VcpuState& s = vcpu.edit(abi::vcpu_state::injection);
    s.inject_info = info.for_entry().raw;
    s.inject_error = exit.idt_vectoring_error;
    s.inject_length = exit.instruction_length;
}

}  // namespace

Outcome handle_exit(Guest& guest, Vcpu& vcpu, GuestMemory& memory) {
    const abi::ExitReason reason{vcpu.exit().reason};
    if (reason.raw == abi::exit_reason_signal || reason.raw == abi::exit_reason_deadline) {
        // The VMM's own events (a device raised something, a timer is
        // due). The guest may have run on since its last exit (the run
        // carried on after a kept exit), so whether it can take an
        // interrupt is read afresh (the program marks nothing current).
        vcpu.begin_own_event();
        if (!vcpu.fetch(abi::vcpu_state::rsp_rip_rflags | abi::vcpu_state::interruptibility)) {
            return Outcome::stop(StopReason::emulation_failure, reason.raw);
        }
        return deliver_interrupts(guest, vcpu, Outcome::resume());
    }
    vcpu.begin_exit();
    const std::uint16_t basic = reason.basic();
    if (reason.entry_failed()) {
        return Outcome::stop(StopReason::entry_failure, basic);
    }
    Outcome outcome = dispatch(guest, vcpu, memory, basic);
    if (outcome.action == Action::reset) {
        // A triple fault, INIT, or a device the guest asked for a reset
        // (keyboard controller, port 0xCF9): one path for all of them.
        return handle_triple_fault(guest, vcpu);
    }
    if (vcpu.fetch_failed() && outcome.action != Action::stop) {
        // A handler went on without state it needed (Vcpu::advance does).
        return Outcome::stop(StopReason::emulation_failure, basic);
    }
    if (outcome.action == Action::resume || outcome.action == Action::wait_for_interrupt) {
        reinject_vectored_event(vcpu);
        outcome = deliver_interrupts(guest, vcpu, outcome);
    }
    return outcome;
}

std::uint64_t state_needed(std::uint32_t basic_reason) {
    namespace vs = abi::vcpu_state;
    // Every exit: the registers, RIP (skipped over) and RFLAGS, and the
    // interruptibility state, which interrupt delivery reads after any exit.
    constexpr std::uint64_t every = vs::gprs | vs::rsp_rip_rflags | vs::interruptibility;
    switch (static_cast<abi::VmxExit>(basic_reason)) {
        case abi::VmxExit::cpuid:  // leaf 1 fetches CR4 (OSXSAVE) itself
        case abi::VmxExit::hlt:
        case abi::VmxExit::apic_write:  // the model's side effects: no guest state
        case abi::VmxExit::virtualized_eoi:
        case abi::VmxExit::tpr_below_threshold:
            return every;
        case abi::VmxExit::rdmsr:  // EFER and CR0; the FS and GS bases; KERNEL_GS_BASE
        case abi::VmxExit::wrmsr:
            return every | vs::control | vs::segments | vs::msrs;
        case abi::VmxExit::io_instruction:  // paging for string I/O, which fetches the segments itself
            return every | vs::control;
        default:
            return vs::stored;
    }
}

void set_state_needed(abi::VcpuPage& page) {
    for (std::uint32_t r = 0; r < abi::want_table_size; ++r) {
        page.want_by_reason[r] = static_cast<std::uint16_t>(state_needed(r));
    }
}

}  // namespace septum::vmm
