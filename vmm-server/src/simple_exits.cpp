// Exits for single instructions whose emulation fits in a few lines:
// CPUID, RDMSR, WRMSR, HLT, RDTSC(P), RDRAND/RDSEED and XSETBV.
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/qualification.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

constexpr std::uint64_t low32(std::uint64_t v) { return v & 0xffffffff; }

// EDX:EAX as instructions like RDMSR leave them: upper halves cleared.
void set_edx_eax(Vcpu& vcpu, std::uint64_t value) {
    vcpu.set_gpr(0, low32(value));
    vcpu.set_gpr(2, value >> 32);
}

std::uint64_t edx_eax(const Vcpu& vcpu) { return (low32(vcpu.state().rdx) << 32) | low32(vcpu.state().rax); }

}  // namespace

Outcome handle_cpuid(Guest& guest, Vcpu& vcpu) {
    const abi::VcpuState& s = vcpu.state();
    const auto leaf = static_cast<std::uint32_t>(s.rax);
    // Only leaf 1 depends on CR4 (OSXSAVE); a CPUID exit brings no control
    // registers back (state_needed), so that leaf fetches them.
    if (leaf == 1 && !vcpu.fetch(abi::vcpu_state::control)) {
        return Outcome::stop(StopReason::emulation_failure, vcpu.exit().reason);
    }
    const CpuidRegs r = guest.cpuid.query(leaf, static_cast<std::uint32_t>(s.rcx), leaf == 1 ? s.cr4 : 0);
    vcpu.set_gpr(0, r.eax);
    vcpu.set_gpr(3, r.ebx);
    vcpu.set_gpr(1, r.ecx);
    vcpu.set_gpr(2, r.edx);
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome handle_rdmsr(Guest& guest, Vcpu& vcpu) {
    const Result<std::uint64_t> value =
        read_msr(guest.msr_context(), vcpu, static_cast<std::uint32_t>(vcpu.state().rcx));
    if (!value.ok()) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    set_edx_eax(vcpu, value.value());
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome handle_wrmsr(Guest& guest, Vcpu& vcpu) {
    if (write_msr(guest.msr_context(), vcpu, static_cast<std::uint32_t>(vcpu.state().rcx), edx_eax(vcpu)) !=
        Status::ok) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome handle_hlt(Guest& /*guest*/, Vcpu& vcpu) {
    vcpu.skip_instruction();
    return Outcome::wait();
}

Outcome handle_rdtsc(Guest& guest, Vcpu& vcpu, bool rdtscp) {
    if (rdtscp) {
        vcpu.inject_ud();  // CPUID hides RDTSCP
        return Outcome::resume();
    }
    // CR4.TSD makes RDTSC privileged (SDM Vol. 2B RDTSC).
    if ((vcpu.state().cr4 & x86::cr4::tsd) != 0 && vcpu.cpl() != 0 && vcpu.mode() != CpuMode::real) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    set_edx_eax(vcpu, guest.clock.tsc());
    vcpu.skip_instruction();
    return Outcome::resume();
}

// No entropy source is virtualized, so RDRAND and RDSEED report "none
// available now" (CF = 0, destination 0), which the SDM allows and guests
// must handle (Vol. 1 7.3.17).
Outcome handle_rdrand(Guest& /*guest*/, Vcpu& vcpu) {
    const RandInfo info = decode_rand(vcpu.exit().instruction_info);
    const std::uint64_t old = vcpu.gpr(info.gpr);
    vcpu.set_gpr(info.gpr, info.size == 2 ? old & ~std::uint64_t{0xffff} : 0);
    constexpr std::uint64_t arithmetic =
        x86::rflags::cf | x86::rflags::pf | x86::rflags::af | x86::rflags::zf | x86::rflags::sf | x86::rflags::of;
    vcpu.edit(abi::vcpu_state::rsp_rip_rflags).rflags &= ~arithmetic;
    vcpu.skip_instruction();
    return Outcome::resume();
}

// XSETBV (SDM Vol. 2C XSETBV): #UD without CR4.OSXSAVE; #GP at CPL > 0, for
// an XCR other than 0, without x87 state, with AVX but not SSE, or with a
// component the CPUID policy does not show.
Outcome handle_xsetbv(Guest& guest, Vcpu& vcpu) {
    const abi::VcpuState& s = vcpu.state();
    if ((s.cr4 & x86::cr4::osxsave) == 0) {
        vcpu.inject_ud();
        return Outcome::resume();
    }
    const std::uint64_t value = edx_eax(vcpu);
    const bool bad = vcpu.cpl() != 0 || low32(s.rcx) != 0 || (value & x86::xcr0::x87) == 0 ||
                     ((value & x86::xcr0::avx) != 0 && (value & x86::xcr0::sse) == 0) ||
                     (value & ~guest.cpuid.supported_xcr0()) != 0;
    if (bad) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    vcpu.edit(abi::vcpu_state::xcr0).xcr0 = value;
    vcpu.skip_instruction();
    return Outcome::resume();
}

}  // namespace septum::vmm
