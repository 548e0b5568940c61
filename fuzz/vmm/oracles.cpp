// What must hold after any exit, beyond "did not crash": the outcome is
// well formed, the handlers touched only what their family may touch, a
// reset really restores the initial state, and an event to inject is one
// the processor can deliver.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/x86.hpp>

#include <cstring>

#include "harness.hpp"

namespace septum::fuzz {

namespace {

namespace x86 = vmm::x86;

void check_outcome(const Machine& m, const vmm::Outcome& outcome) {
    const bool stopped = outcome.action == vmm::Action::stop;
    if (stopped != (outcome.reason != vmm::StopReason::none)) {
        violated("outcome action %u with stop reason %u", static_cast<unsigned>(outcome.action),
                 static_cast<unsigned>(outcome.reason));
    }
    if ((m.vcpu.dirty() & ~abi::vcpu_state::all) != 0) {
        violated("dirty mask %#llx names state that does not exist", static_cast<unsigned long long>(m.vcpu.dirty()));
    }
    if (outcome.action == vmm::Action::reset) {
        abi::VcpuState expected = m.guest.initial;
        expected.inject_info = 0;
        if (std::memcmp(&expected, &m.page.state, sizeof expected) != 0 || m.vcpu.dirty() != abi::vcpu_state::all) {
            violated("a reset did not restore the initial state");
        }
    }
}

void check_touched(const Machine& m, const Family& family) {
    if (!family.memory && (m.memory.reads != 0 || m.memory.writes != 0)) {
        violated("%s: %u guest memory reads and %u writes", family.name, m.memory.reads, m.memory.writes);
    }
    const Machine::DeviceAccesses& d = m.device_accesses();
    if (d.count > 0 && (d.first.mmio ? !family.mmio : !family.ports)) {
        violated("%s: a %s access to %#llx", family.name, d.first.mmio ? "MMIO" : "port",
                 static_cast<unsigned long long>(d.first.address));
    }
    if (d.count > 0 && !d.uniform && !family.ports) {
        violated("%s: %zu device accesses at different addresses", family.name, d.count);
    }
}

// Outside 64-bit code the instruction pointer is 32 bits wide.
void check_rip(const Machine& m, const abi::VcpuState& before) {
    const bool long64 = (before.efer & x86::efer::lma) != 0 && (before.cs.access_rights & x86::access::l) != 0;
    if (!long64 && before.rip <= 0xffffffff && m.page.state.rip > 0xffffffff) {
        violated("RIP %#llx outside 64-bit mode", static_cast<unsigned long long>(m.page.state.rip));
    }
}

}  // namespace

// An event as VM entry accepts it for injection (SDM Vol. 3C 27.2.1.3): a
// defined type, an NMI on vector 2, an exception below 32, an error code
// exactly for the exceptions that push one in protected mode.
const char* undeliverable(std::uint32_t info, std::uint32_t length, std::uint64_t cr0) {
    if ((info & x86::event_info::valid) == 0) {
        return nullptr;
    }
    const auto type = static_cast<x86::EventType>((info >> x86::event_info::type_shift) & x86::event_info::type_mask);
    const unsigned vector = info & x86::event_info::vector_mask;
    const bool error = (info & x86::event_info::error_code) != 0;
    const bool pushes = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
    if ((info & 0x7ffff000) != 0 || static_cast<unsigned>(type) == 1 || static_cast<unsigned>(type) == 7) {
        return "reserved bits or type";
    }
    if (type == x86::EventType::nmi && vector != 2) {
        return "an NMI not on vector 2";
    }
    if (type == x86::EventType::hardware_exception && vector >= 32) {
        return "a hardware exception above 31";
    }
    if (error && (type != x86::EventType::hardware_exception || !pushes || (cr0 & x86::cr0::pe) == 0)) {
        return "an error code the event does not have";
    }
    if (length > 15) {
        return "an instruction length above 15";
    }
    return nullptr;
}

void check_exit(const Machine& m, const Family& family, const abi::VcpuState& before, const vmm::Outcome& outcome) {
    check_outcome(m, outcome);
    check_touched(m, family);
    if (outcome.action == vmm::Action::resume || outcome.action == vmm::Action::wait_for_interrupt) {
        const abi::VcpuState& s = m.page.state;
        if (const char* problem = undeliverable(s.inject_info, s.inject_length, s.cr0); m.plausible && problem) {
            violated("injection %#x: %s", s.inject_info, problem);
        }
        check_rip(m, before);
    }
}

}  // namespace septum::fuzz
