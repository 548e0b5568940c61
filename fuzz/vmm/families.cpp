#include "families.hpp"

#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/qualification.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::fuzz::families {

namespace {

using abi::VmxExit;

constexpr std::uint32_t reason(VmxExit r) { return static_cast<std::uint32_t>(r); }

template <std::size_t N>
constexpr Family family(const char* name, const std::uint32_t (&reasons)[N],
                        void (*build)(Source&, Machine&, abi::ExitInfo&), bool memory, bool ports, bool mmio,
                        decltype(Family::check) check = nullptr) {
    return Family{name, reasons, N, build, memory, ports, mmio, check};
}

// CPUID: RIP past the instruction, and the results are 32-bit values.
void check_cpuid(const Machine& m, const abi::ExitInfo& exit, const abi::VcpuState& before,
                 const vmm::Outcome& outcome) {
    const abi::VcpuState& s = m.page.state;
    if (outcome.action != vmm::Action::resume || !m.plausible || vmm::x86::EventInfo{s.inject_info}.valid()) {
        return;
    }
    if (((s.rax | s.rbx | s.rcx | s.rdx) >> 32) != 0) {
        violated("CPUID left bits 63:32 set");
    }
    // By the mode the guest was truly in (not a stale copy of CR0, EFER, CS).
    const bool long64 =
        (before.efer & vmm::x86::efer::lma) != 0 && (before.cs.access_rights & vmm::x86::access::l) != 0;
    if (!long64 && before.rip > 0xffffffff) {
        return;  // a RIP no processor has outside 64-bit mode (a mutated record)
    }
    const std::uint64_t next = before.rip + exit.instruction_length;
    const std::uint64_t rip = long64 ? next : next & 0xffffffff;
    if (s.rip != rip) {
        violated("CPUID moved RIP from %#llx to %#llx", static_cast<unsigned long long>(before.rip),
                 static_cast<unsigned long long>(s.rip));
    }
}

// Port I/O reaches the port the exit names, with its size, once (or once
// per element of a string instruction, at most 1,024 per exit).
void check_io(const Machine& m, const abi::ExitInfo& exit, const abi::VcpuState& /*before*/,
              const vmm::Outcome& outcome) {
    const vmm::IoQualification q = vmm::decode_io(exit.qualification);
    const Machine::DeviceAccesses& d = m.device_accesses();
    // Only the keyboard controller and port 0xCF9 reset the guest, on a write.
    if (outcome.action == vmm::Action::reset &&
        (d.count == 0 || q.in || (q.port != vmm::KeyboardReset::port && q.port != vmm::ResetControl::port))) {
        violated("a reset from %s port %#x", q.in ? "reading" : "writing", q.port);
    }
    if (d.count == 0) {
        return;
    }
    if (!d.uniform || d.first.address != q.port || d.first.size != q.size) {
        violated("I/O exit for port %#x size %u reached port %#llx size %u", q.port, q.size,
                 static_cast<unsigned long long>(d.first.address), d.first.size);
    }
    if (d.count > (q.string && q.rep ? 1024u : 1u)) {
        violated("I/O exit made %zu accesses", d.count);
    }
}

// MMIO emulation makes at most one access, at the address of the exit.
void check_ept(const Machine& m, const abi::ExitInfo& exit, const abi::VcpuState& /*before*/,
               const vmm::Outcome& /*outcome*/) {
    const Machine::DeviceAccesses& d = m.device_accesses();
    if (d.count > 1 || (d.count == 1 && d.first.address != exit.guest_physical)) {
        violated("EPT violation at %#llx made %zu device accesses, the first at %#llx",
                 static_cast<unsigned long long>(exit.guest_physical), d.count,
                 static_cast<unsigned long long>(d.first.address));
    }
}

constexpr std::uint32_t cpuid_reasons[] = {reason(VmxExit::cpuid)};
constexpr std::uint32_t msr_reasons[] = {reason(VmxExit::rdmsr), reason(VmxExit::wrmsr)};
constexpr std::uint32_t io_reasons[] = {reason(VmxExit::io_instruction)};
constexpr std::uint32_t ept_reasons[] = {reason(VmxExit::ept_violation)};
constexpr std::uint32_t cr_reasons[] = {reason(VmxExit::cr_access)};
constexpr std::uint32_t xsetbv_reasons[] = {reason(VmxExit::xsetbv)};
constexpr std::uint32_t exception_reasons[] = {reason(VmxExit::exception_or_nmi)};
constexpr std::uint32_t window_reasons[] = {reason(VmxExit::interrupt_window),  reason(VmxExit::nmi_window),
                                            reason(VmxExit::monitor_trap_flag), reason(VmxExit::external_interrupt),
                                            reason(VmxExit::preemption_timer),  abi::exit_reason_signal};
constexpr std::uint32_t vmcall_reasons[] = {reason(VmxExit::vmcall)};
constexpr std::uint32_t reset_reasons[] = {reason(VmxExit::triple_fault), reason(VmxExit::init_signal),
                                           reason(VmxExit::sipi)};

}  // namespace

const Family cpuid = family("cpuid", cpuid_reasons, build_cpuid, false, false, false, check_cpuid);
const Family msr = family("msr", msr_reasons, build_msr, false, false, false);
const Family io = family("io", io_reasons, build_io, true, true, false, check_io);
const Family ept = family("ept", ept_reasons, build_ept, true, false, true, check_ept);
const Family cr = family("cr", cr_reasons, build_cr, false, false, false);
const Family xsetbv = family("xsetbv", xsetbv_reasons, build_xsetbv, false, false, false);
const Family exception = family("exception", exception_reasons, build_exception, false, false, false);
const Family interrupt_window = family("interrupt-window", window_reasons, build_interrupt_window, false, false, false);
const Family vmcall = family("vmcall", vmcall_reasons, build_vmcall, false, false, false);
const Family reset = family("reset", reset_reasons, build_reset, false, false, false);

}  // namespace septum::fuzz::families
