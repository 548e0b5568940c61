#include <septum/abi/vmx_exit.hpp>
#include <septum/abi/x86.hpp>
#include <septum/vmm/exit.hpp>

#include "harness.hpp"

namespace septum::fuzz {

namespace {

constexpr unsigned max_exits = 8;

bool in_family(const Family& family, std::uint32_t reason) {
    for (std::size_t i = 0; i < family.reason_count; ++i) {
        if (family.reasons[i] == reason) {
            return true;
        }
    }
    return false;
}

// Exits that can interrupt the delivery of an event, and so report it in
// the IDT-vectoring information (SDM Vol. 3C 28.2.4).
bool during_delivery_possible(std::uint32_t reason) {
    using abi::VmxExit;
    switch (static_cast<VmxExit>(reason)) {
        case VmxExit::exception_or_nmi:
        case VmxExit::external_interrupt:
        case VmxExit::triple_fault:
        case VmxExit::task_switch:
        case VmxExit::apic_access:
        case VmxExit::ept_violation:
        case VmxExit::ept_misconfiguration:
        case VmxExit::preemption_timer:
            return true;
        default:
            return false;
    }
}

abi::ExitInfo build_exit(Source& source, Machine& m, const Family& family) {
    abi::ExitInfo exit{};
    exit.instruction_length = 1 + source.u8() % abi::x86::max_instruction_length;
    const bool vectoring = source.one_in(16);
    if (vectoring) {
        exit.idt_vectoring_info = event_info(source, m);
        exit.idt_vectoring_error = source.u32();
    }
    family.build(source, m, exit);
    if (vectoring && !during_delivery_possible(exit.reason)) {
        m.plausible = false;
    }
    return exit;
}

// A recorded exit comes from a processor, but the fuzzer mutates it: it is
// plausible only while its fields still are.
void judge_recorded(Machine& m) {
    const abi::ExitInfo& e = m.page.exit;
    const std::uint64_t cr0 = m.page.state.cr0;
    m.plausible = e.instruction_length <= abi::x86::max_instruction_length && enterable(m.page.state) &&
                  deliverable(e.idt_vectoring_info, cr0) && deliverable(e.interruption_info, cr0) &&
                  (!abi::x86::EventInfo{e.idt_vectoring_info}.valid() ||
                   during_delivery_possible(abi::ExitReason{e.reason}.basic()));
}

// The guest ran on between two exits: a few registers changed.
void run_on(Source& source, Machine& m) {
    for (unsigned n = source.u8() % 3; n > 0; --n) {
        m.vcpu.set_gpr(source.u8(), source.value());
    }
}

// The VMM hands back only parts of the state it had: a part it edited
// without fetching would carry an older exit's values into the guest.
// CR2 is written whole by a page fault; injection is supply-only; a reset
// writes every part whole, from the initial state.
void check_handed_back(const Machine& m, std::uint64_t had, const vmm::Outcome& outcome) {
    if (outcome.action == vmm::Action::reset) {
        return;
    }
    const std::uint64_t blind = m.vcpu.dirty() & ~had & ~(abi::vcpu_state::cr2 | abi::vcpu_state::injection);
    if (blind != 0) {
        violated("exit %#x handed back state parts %#llx it never fetched", m.page.exit.reason,
                 static_cast<unsigned long long>(blind));
    }
}

}  // namespace

int run(const std::uint8_t* data, std::size_t size, const Family& family) {
    Source source{data, size};
    Machine m{source};
    const bool recorded = build_state(source, m);
    if (recorded) {
        judge_recorded(m);
    }
    for (unsigned n = 0; n < max_exits; ++n) {
        if (!recorded || n > 0) {
            m.page.exit = build_exit(source, m, family);
        }
        if (family.reason_count > 0 && !in_family(family, m.page.exit.reason)) {
            m.page.exit.reason = family.reasons[0];
        }
        const abi::VcpuState before = m.page.state;
        m.forget_accesses();
        m.vcpu.arrived(m.lazy.arrive(m.page.exit.reason));
        const vmm::Outcome outcome = vmm::handle_exit(m.guest, m.vcpu, m.memory);
        check_handed_back(m, m.lazy.settle(m.vcpu.dirty()), outcome);
        check_exit(m, family, before, outcome);
        check_device_models(m);
        if (family.check != nullptr) {
            family.check(m, m.page.exit, before, outcome);
        }
        if (outcome.action == vmm::Action::stop || source.empty()) {
            break;
        }
        run_on(source, m);
    }
    return 0;
}

}  // namespace septum::fuzz
