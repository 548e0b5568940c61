// The dispatch family: any exit reason through handle_exit, mostly the
// known ones (with their family's builder where there is one), sometimes
// any basic reason, and now and then any 32-bit value: entry failures, the
// notification signal, reasons no processor reports yet.
#include <septum/abi/vmx_exit.hpp>

#include "families.hpp"

namespace septum::fuzz::families {

namespace {

using abi::VmxExit;
using Builder = void (*)(Source&, Machine&, abi::ExitInfo&);

constexpr std::uint16_t known[] = {
#define SEPTUM_KNOWN_REASON(name, number, description) number,
    SEPTUM_VMX_EXIT_REASONS(SEPTUM_KNOWN_REASON)
#undef SEPTUM_KNOWN_REASON
};

Builder builder_for(std::uint32_t reason) {
    switch (static_cast<VmxExit>(reason)) {
        case VmxExit::cpuid:
            return build_cpuid;
        case VmxExit::rdmsr:
        case VmxExit::wrmsr:
            return build_msr;
        case VmxExit::io_instruction:
            return build_io;
        case VmxExit::ept_violation:
            return build_ept;
        case VmxExit::cr_access:
            return build_cr;
        case VmxExit::xsetbv:
            return build_xsetbv;
        case VmxExit::exception_or_nmi:
            return build_exception;
        case VmxExit::vmcall:
            return build_vmcall;
        default:
            return nullptr;
    }
}

void build_any(Source& source, Machine& m, abi::ExitInfo& exit) {
    const std::uint8_t which = source.u8();
    std::uint32_t reason = 0;
    if (which < 224) {
        reason = known[which % (sizeof known / sizeof known[0])];
    } else if (which < 248) {
        reason = source.u16();
    } else {
        reason = source.u32();
        m.plausible = false;
    }
    if (const Builder build = builder_for(reason); build != nullptr) {
        build(source, m, exit);
    } else {
        // Fields for the rest (MOV DR, RDRAND, ...) as any value.
        exit.qualification = source.value();
        exit.instruction_info = source.u32();
        exit.interruption_info = event_info(source, m);
        exit.guest_physical = source.value();
    }
    exit.reason = reason;
}

}  // namespace

const Family dispatch = Family{"dispatch", nullptr, 0, build_any, true, true, true, nullptr};

}  // namespace septum::fuzz::families
