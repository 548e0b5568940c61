// VM-exit basic reasons (Intel SDM Vol. 3, Appendix C "VMX Basic Exit
// Reasons") and the exit-reason field that carries them, defined once for
// the kernel, the VMM server, tests and fuzzers.
#pragma once

#include <cstdint>

// X(name, number, description)
#define SEPTUM_VMX_EXIT_REASONS(X)                                            \
    X(exception_or_nmi, 0, "exception or non-maskable interrupt")             \
    X(external_interrupt, 1, "external interrupt")                            \
    X(triple_fault, 2, "triple fault")                                        \
    X(init_signal, 3, "INIT signal")                                          \
    X(sipi, 4, "start-up IPI")                                                \
    X(io_smi, 5, "I/O system-management interrupt")                           \
    X(other_smi, 6, "other SMI")                                              \
    X(interrupt_window, 7, "interrupt window")                                \
    X(nmi_window, 8, "NMI window")                                            \
    X(task_switch, 9, "task switch")                                          \
    X(cpuid, 10, "CPUID")                                                     \
    X(getsec, 11, "GETSEC")                                                   \
    X(hlt, 12, "HLT")                                                         \
    X(invd, 13, "INVD")                                                       \
    X(invlpg, 14, "INVLPG")                                                   \
    X(rdpmc, 15, "RDPMC")                                                     \
    X(rdtsc, 16, "RDTSC")                                                     \
    X(rsm, 17, "RSM")                                                         \
    X(vmcall, 18, "VMCALL")                                                   \
    X(vmclear, 19, "VMCLEAR")                                                 \
    X(vmlaunch, 20, "VMLAUNCH")                                               \
    X(vmptrld, 21, "VMPTRLD")                                                 \
    X(vmptrst, 22, "VMPTRST")                                                 \
    X(vmread, 23, "VMREAD")                                                   \
    X(vmresume, 24, "VMRESUME")                                               \
    X(vmwrite, 25, "VMWRITE")                                                 \
    X(vmxoff, 26, "VMXOFF")                                                   \
    X(vmxon, 27, "VMXON")                                                     \
    X(cr_access, 28, "control-register access")                               \
    X(dr_access, 29, "MOV DR")                                                \
    X(io_instruction, 30, "I/O instruction")                                  \
    X(rdmsr, 31, "RDMSR")                                                     \
    X(wrmsr, 32, "WRMSR")                                                     \
    X(entry_invalid_guest_state, 33, "VM-entry failure: invalid guest state") \
    X(entry_msr_loading, 34, "VM-entry failure: MSR loading")                 \
    X(mwait, 36, "MWAIT")                                                     \
    X(monitor_trap_flag, 37, "monitor trap flag")                             \
    X(monitor, 39, "MONITOR")                                                 \
    X(pause, 40, "PAUSE")                                                     \
    X(entry_machine_check, 41, "VM-entry failure: machine-check event")       \
    X(tpr_below_threshold, 43, "TPR below threshold")                         \
    X(apic_access, 44, "APIC access")                                         \
    X(virtualized_eoi, 45, "virtualized EOI")                                 \
    X(gdtr_idtr_access, 46, "GDTR or IDTR access")                            \
    X(ldtr_tr_access, 47, "LDTR or TR access")                                \
    X(ept_violation, 48, "EPT violation")                                     \
    X(ept_misconfiguration, 49, "EPT misconfiguration")                       \
    X(invept, 50, "INVEPT")                                                   \
    X(rdtscp, 51, "RDTSCP")                                                   \
    X(preemption_timer, 52, "VMX-preemption timer expired")                   \
    X(invvpid, 53, "INVVPID")                                                 \
    X(wbinvd, 54, "WBINVD or WBNOINVD")                                       \
    X(xsetbv, 55, "XSETBV")                                                   \
    X(apic_write, 56, "APIC write")                                           \
    X(rdrand, 57, "RDRAND")                                                   \
    X(invpcid, 58, "INVPCID")                                                 \
    X(vmfunc, 59, "VMFUNC")                                                   \
    X(encls, 60, "ENCLS")                                                     \
    X(rdseed, 61, "RDSEED")                                                   \
    X(pml_full, 62, "page-modification log full")                             \
    X(xsaves, 63, "XSAVES")                                                   \
    X(xrstors, 64, "XRSTORS")                                                 \
    X(spp_event, 66, "SPP-related event")                                     \
    X(umwait, 67, "UMWAIT")                                                   \
    X(tpause, 68, "TPAUSE")                                                   \
    X(loadiwkey, 69, "LOADIWKEY")

namespace septum::abi {

enum class VmxExit : std::uint16_t {
// NOLINTNEXTLINE(bugprone-macro-parentheses): expands to an enumerator declaration
#define SEPTUM_VMX_EXIT_ENUM(name, number, description) name = number,
    SEPTUM_VMX_EXIT_REASONS(SEPTUM_VMX_EXIT_ENUM)
#undef SEPTUM_VMX_EXIT_ENUM
};

// The highest basic exit reason the table knows; any other value is an
// unknown exit, which a VMM must still handle (never ignore).
inline constexpr std::uint16_t max_known_vmx_exit = 69;

// The exit-reason field (SDM Vol. 3C 25.9.1, Table 25-18): the basic
// reason in bits 15:0; bit 31 set when VM entry failed, which reports
// one of the entry_* reasons.
struct ExitReason {
    static constexpr std::uint32_t basic_mask = 0xffff;
    static constexpr std::uint32_t entry_failure_bit = 1u << 31;

    std::uint32_t raw;

    static constexpr ExitReason entry_failure(VmxExit basic) {
        return ExitReason{entry_failure_bit | static_cast<std::uint32_t>(basic)};
    }

    // The basic reason: a VmxExit, or a number the table does not know yet.
    [[nodiscard]] constexpr std::uint16_t basic() const { return static_cast<std::uint16_t>(raw & basic_mask); }
    [[nodiscard]] constexpr bool is(VmxExit e) const { return basic() == static_cast<std::uint16_t>(e); }
    [[nodiscard]] constexpr bool entry_failed() const { return (raw & entry_failure_bit) != 0; }
};

// The description of a basic exit reason, or nullptr for an unknown one.
constexpr const char* vmx_exit_name(std::uint32_t reason) {
    switch (reason) {
#define SEPTUM_VMX_EXIT_CASE(name, number, description) \
    case number:                                        \
        return description;
        SEPTUM_VMX_EXIT_REASONS(SEPTUM_VMX_EXIT_CASE)
#undef SEPTUM_VMX_EXIT_CASE
        default:
            return nullptr;
    }
}

}  // namespace septum::abi
