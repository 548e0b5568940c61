// The exit handlers, one per exit reason or family. Each returns what the
// VMM does next; a handler that cannot complete its instruction injects the
// fault the hardware would have raised or stops the guest, never guesses.
// handle_exit (exit.hpp) is the one entry; these are public for tests and
// fuzzers that drive one handler.
#pragma once

#include "guest.hpp"
#include "guest_memory.hpp"
#include "outcome.hpp"
#include "vcpu.hpp"

namespace septum::vmm {

Outcome handle_cpuid(Guest& guest, Vcpu& vcpu);
Outcome handle_rdmsr(Guest& guest, Vcpu& vcpu);
Outcome handle_wrmsr(Guest& guest, Vcpu& vcpu);
Outcome handle_hlt(Guest& guest, Vcpu& vcpu);
Outcome handle_rdtsc(Guest& guest, Vcpu& vcpu, bool rdtscp);
Outcome handle_rdrand(Guest& guest, Vcpu& vcpu);
Outcome handle_xsetbv(Guest& guest, Vcpu& vcpu);
Outcome handle_io(Guest& guest, Vcpu& vcpu, GuestMemory& memory);
Outcome handle_ept_violation(Guest& guest, Vcpu& vcpu, GuestMemory& memory);
Outcome handle_cr_access(Guest& guest, Vcpu& vcpu);
Outcome handle_dr_access(Guest& guest, Vcpu& vcpu);
Outcome handle_vmcall(Guest& guest, Vcpu& vcpu);
Outcome handle_exception(Guest& guest, Vcpu& vcpu);
Outcome handle_triple_fault(Guest& guest, Vcpu& vcpu);
// The CPU's APIC virtualization (apic_exits.cpp): an access to the
// APIC-access page it does not virtualize, a write it virtualized whose
// side effects are the model's, an EOI of a level-triggered vector, the
// TPR dropping below the threshold.
Outcome handle_apic_access(Guest& guest, Vcpu& vcpu, GuestMemory& memory);
Outcome handle_apic_write(Guest& guest, Vcpu& vcpu);
Outcome handle_virtualized_eoi(Guest& guest, Vcpu& vcpu);
Outcome handle_tpr_below_threshold(Guest& guest, Vcpu& vcpu);

// Emulates the MOV at the guest's RIP as an access of the MMIO bus at
// `gpa`, which must be the direction the hardware reported.
Outcome emulate_mmio(Guest& guest, Vcpu& vcpu, const GuestMemory& memory, std::uint64_t gpa, bool write);

// Lets the highest pending virtual interrupt in when the guest can take
// it, or asks for an interrupt window; wakes a halted guest. Runs after
// every handler that resumes or waits.
Outcome deliver_interrupts(Guest& guest, Vcpu& vcpu, Outcome outcome);

// An access the VMM cannot serve: #GP(0) or a stop, per Policy::unclaimed.
Outcome refuse_access(Guest& guest, Vcpu& vcpu, StopReason reason, std::uint64_t code);

}  // namespace septum::vmm
