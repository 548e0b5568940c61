#include "entry_checks.hpp"

#include "control_registers.hpp"

namespace septum::arch::vmx {

namespace {

constexpr std::uint64_t efer_lme = abi::x86::efer::lme;

// What an entry may inject: type 1 is reserved, and type 7 (other event)
// needs the monitor trap flag, which the kernel does not use (SDM Vol. 3C
// 27.2.1.3).
bool injectable(abi::x86::EventType type) {
    using abi::x86::EventType;
    switch (type) {
        case EventType::external_interrupt:
        case EventType::nmi:
        case EventType::hardware_exception:
        case EventType::software_interrupt:
        case EventType::privileged_software_exception:
        case EventType::software_exception:
            return true;
    }
    return false;
}

}  // namespace

namespace detail {

Status check_control(const abi::VcpuState& s, const EntryLimits& l) {
    if ((s.cr0 & cr0::pg) != 0 && (s.cr0 & cr0::pe) == 0) {
        return Status::invalid_argument;  // paging without protection (SDM 26.3.1.1)
    }
    const bool long_mode = (s.efer & efer_lma) != 0;
    if (long_mode != ((s.efer & efer_lme) != 0 && (s.cr0 & cr0::pg) != 0)) {
        return Status::invalid_argument;  // EFER.LMA must be LME and PG together
    }
    if ((s.cr0 >> 32) != 0 || (s.cr4 & ~l.cr4_fixed1 & ~cr4::vmxe) != 0) {
        return Status::invalid_argument;
    }
    // The controls must allow the wanted ones, and must not force IA-32e
    // mode on a guest that did not ask for it (no processor does; the
    // filter's fuzzer tries any limits).
    std::uint32_t entry = 0;
    const std::uint32_t wanted = entry_controls_wanted(s);
    if (!adjust_control(wanted, l.entry_allowed0, l.entry_allowed1, entry) ||
        (entry & vmcs::entry_ctl::ia32e_guest) != (wanted & vmcs::entry_ctl::ia32e_guest)) {
        return Status::invalid_argument;
    }
    return Status::ok;
}

// Event injection (SDM Vol. 3C 27.2.1.3): a defined type, an NMI on
// vector 2, a hardware exception below 32, an error code exactly for the
// exceptions that push one in protected mode, a length an instruction has.
Status check_injection(const abi::VcpuState& s, bool protected_mode) {
    using abi::x86::EventType;
    const abi::x86::EventInfo info{s.inject_info};
    if (!info.valid()) {
        return Status::ok;
    }
    const EventType type = info.type();
    const std::uint8_t vector = info.vector();
    if ((info.raw & abi::x86::EventInfo::entry_reserved) != 0 || s.inject_length > abi::x86::max_instruction_length ||
        !injectable(type)) {
        return Status::invalid_argument;
    }
    if ((type == EventType::nmi && vector != static_cast<std::uint8_t>(abi::x86::Vector::nmi)) ||
        (type == EventType::hardware_exception && vector > 31)) {
        return Status::invalid_argument;
    }
    const bool error_code_due =
        protected_mode && type == EventType::hardware_exception && abi::x86::pushes_error_code(vector);
    return info.has_error_code() == error_code_due ? Status::ok : Status::invalid_argument;
}

// The MSRs as WRMSR would take them (SDM Vol. 4 Table 2-2) and VM entry
// checks them (26.3.1.1, 26.4): SYSENTER_CS and SFMASK 32-bit, addresses
// canonical, every PAT entry a defined memory type.
Status check_msrs(const abi::GuestMsrs& m) {
    using abi::x86::canonical;
    if ((m.sysenter_cs >> 32) != 0 || (m.sfmask >> 32) != 0) {
        return Status::invalid_argument;
    }
    if (!canonical(m.sysenter_esp) || !canonical(m.sysenter_eip) || !canonical(m.lstar) || !canonical(m.cstar) ||
        !canonical(m.kernel_gs_base)) {
        return Status::invalid_argument;
    }
    return abi::x86::pat::valid(m.pat) ? Status::ok : Status::invalid_argument;
}

Status check_rest(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode) {
    if ((mask & abi::vcpu_state::control) != 0) {
        SEPTUM_TRY(check_control(s, limits));
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0 &&
        (!abi::x86::defined_activity(s.activity) || (s.interruptibility & ~abi::x86::interruptibility::defined) != 0)) {
        return Status::invalid_argument;
    }
    if ((mask & abi::vcpu_state::injection) != 0) {
        SEPTUM_TRY(check_injection(s, protected_mode));
    }
    if ((mask & abi::vcpu_state::msrs) != 0) {
        SEPTUM_TRY(check_msrs(s.msrs));
    }
    return Status::ok;
}

}  // namespace detail

}  // namespace septum::arch::vmx
