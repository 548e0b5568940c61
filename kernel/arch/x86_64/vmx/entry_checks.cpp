#include "entry_checks.hpp"

#include "control_registers.hpp"

namespace septum::arch::vmx {

namespace {

constexpr std::uint64_t efer_lme = abi::x86::efer::lme;

// The VM-entry interruption-information field (SDM Vol. 3 24.8.3).
namespace inject {
constexpr std::uint32_t valid = detail::inject_valid;
constexpr std::uint32_t reserved = 0x7ffff000;  // bits 30:12
constexpr std::uint32_t error_code = abi::x86::event_info::error_code;
constexpr unsigned type_shift = abi::x86::event_info::type_shift;
constexpr std::uint32_t type_reserved = 1, type_other = 7;
constexpr auto type_nmi = static_cast<std::uint32_t>(abi::x86::EventType::nmi);
constexpr auto type_hardware_exception = static_cast<std::uint32_t>(abi::x86::EventType::hardware_exception);
constexpr unsigned max_length = 15;
}  // namespace inject

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

// Event injection (SDM Vol. 3 26.2.1.3): a defined type, an NMI on vector
// 2, a hardware exception below 32, an error code exactly for the
// exceptions that push one in protected mode, a length an instruction has.
Status check_injection(const abi::VcpuState& s, bool protected_mode) {
    const std::uint32_t info = s.inject_info;
    if ((info & inject::valid) == 0) {
        return Status::ok;
    }
    const std::uint32_t type = (info >> inject::type_shift) & 7, vector = info & 0xff;
    if ((info & inject::reserved) != 0 || s.inject_length > inject::max_length || type == inject::type_reserved ||
        type == inject::type_other) {
        return Status::invalid_argument;
    }
    if ((type == inject::type_nmi && vector != 2) || (type == inject::type_hardware_exception && vector > 31)) {
        return Status::invalid_argument;
    }
    const bool pushes = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
    const bool error_code_due = protected_mode && type == inject::type_hardware_exception && pushes;
    return ((info & inject::error_code) != 0) == error_code_due ? Status::ok : Status::invalid_argument;
}

// The MSRs as WRMSR would take them (SDM Vol. 4 Table 2-2) and VM entry
// checks them (26.3.1.1, 26.4): SYSENTER_CS and SFMASK 32-bit, addresses
// canonical, every PAT entry a defined memory type.
Status check_msrs(const abi::GuestMsrs& m) {
    const auto canonical = [](std::uint64_t a) { return (a >> 47) == 0 || (a >> 47) == 0x1ffff; };
    if ((m.sysenter_cs >> 32) != 0 || (m.sfmask >> 32) != 0) {
        return Status::invalid_argument;
    }
    if (!canonical(m.sysenter_esp) || !canonical(m.sysenter_eip) || !canonical(m.lstar) || !canonical(m.cstar) ||
        !canonical(m.kernel_gs_base)) {
        return Status::invalid_argument;
    }
    for (unsigned i = 0; i < 8; ++i) {
        const std::uint64_t type = (m.pat >> (8 * i)) & 0xff;
        if (type == 2 || type == 3 || type > 7) {
            return Status::invalid_argument;
        }
    }
    return Status::ok;
}

Status check_rest(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode) {
    if ((mask & abi::vcpu_state::control) != 0) {
        SEPTUM_TRY(check_control(s, limits));
    }
    if ((mask & abi::vcpu_state::interruptibility) != 0 &&
        (s.activity > max_activity_state || (s.interruptibility & interruptibility_reserved) != 0)) {
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
