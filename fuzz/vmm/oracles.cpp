// What must hold after any exit, beyond "did not crash": the outcome is
// well formed, the handlers touched only what their family may touch, a
// reset really restores the initial state, and the state handed back
// passes the kernel's own VM-entry checks.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/x86.hpp>

#include <cstring>

#include "entry_checks.hpp"

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
        if (std::memcmp(&expected, &m.page.state, sizeof expected) != 0 ||
            m.vcpu.dirty() != (abi::vcpu_state::stored | abi::vcpu_state::injection)) {
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

// Outside 64-bit code the instruction pointer is 32 bits wide (checked in
// the mode the guest is in after the exit: a CR0 write can enter IA-32e
// mode).
void check_rip(const Machine& m, const abi::VcpuState& before) {
    const abi::VcpuState& s = m.page.state;
    const bool long64 = (s.efer & x86::efer::lma) != 0 && (s.cs.access_rights & x86::access::l) != 0;
    if (!long64 && before.rip <= 0xffffffff && s.rip > 0xffffffff) {
        violated("RIP %#llx outside 64-bit mode", static_cast<unsigned long long>(s.rip));
    }
}

}  // namespace

namespace {

// The limits of a Skylake server's VMX capability MSRs: the processor the
// kernel's entry checks are applied for.
constexpr arch::vmx::EntryLimits skylake{0x80000021, 0xffffffff, 0x2000, 0x3767ff, 0x11ff, 0x3ffff};

bool entry_valid(const abi::VcpuState& s, std::uint64_t mask) {
    return arch::vmx::check_state(s, mask, skylake, (s.cr0 & x86::cr0::pe) != 0) == Status::ok;
}

}  // namespace

// A VCPU without APIC virtualization (the fuzzed guests have none): every
// part but the APIC's.
constexpr std::uint64_t every_part = abi::vcpu_state::stored | abi::vcpu_state::injection;

bool enterable(const abi::VcpuState& state) { return entry_valid(state, every_part); }

bool deliverable(std::uint32_t info, std::uint64_t cr0) {
    abi::VcpuState s{};
    s.inject_info = info;
    s.cr0 = cr0;
    return entry_valid(s, abi::vcpu_state::injection);
}

void check_exit(const Machine& m, const Family& family, const abi::VcpuState& before, const vmm::Outcome& outcome) {
    check_outcome(m, outcome);
    check_touched(m, family);
    const bool runs_on = outcome.action == vmm::Action::resume || outcome.action == vmm::Action::wait_for_interrupt ||
                         outcome.action == vmm::Action::reset;
    if (runs_on) {
        check_rip(m, before);
    }
    // From a state the kernel would enter, the VMM hands back one it would
    // enter too: the kernel's own checks (entry_checks.hpp) on what the VMM
    // supplies, the changed parts.
    if (runs_on && m.plausible && entry_valid(before, every_part) && !entry_valid(m.page.state, m.vcpu.dirty())) {
        violated("%s: the state handed back (mask %#llx, injection %#x) fails the kernel's entry checks", family.name,
                 static_cast<unsigned long long>(m.vcpu.dirty()), m.page.state.inject_info);
    }
}

}  // namespace septum::fuzz
