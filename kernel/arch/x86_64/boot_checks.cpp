#include <cstdint>

#include "boot_checks.hpp"
#include "cpu.hpp"
#include "interrupts.hpp"
#include "lapic.hpp"
#include "layout.hpp"
#include "vmx/vmx.hpp"

namespace septum::arch {

namespace {

// A low address that is mapped by nothing once the identity map is gone,
// and a non-canonical one.
constexpr std::uint64_t unmapped_address = 0x1000;
constexpr std::uint64_t noncanonical_address = 0x8000000000000000;

void check_long_mode(TestReport& r) {
    const std::uint64_t efer = rdmsr(Msr::efer);
    r.check((efer & efer::lma) != 0, "cpu.long-mode", "EFER={:x}", efer);
    const auto here = reinterpret_cast<std::uint64_t>(&check_long_mode);
    r.check(here >= kernel_virt_base, "cpu.higher-half", "kernel text at {:x}", here);
}

void check_trap(TestReport& r) {
    FaultProbe p{.vector = static_cast<std::uint8_t>(Exception::bp)};
    arm_fault_probe(&p);
    asm volatile("int3" ::: "memory");
    arm_fault_probe(nullptr);
    r.check(p.hit, "cpu.exception.bp", "int3 caught, execution resumed after it");
}

void check_invalid_opcode(TestReport& r) {
    FaultProbe p{.vector = static_cast<std::uint8_t>(Exception::ud)};
    arm_fault_probe(&p);
    asm volatile("leaq 1f(%%rip), %%rax; movq %%rax, %0; ud2; 1:" : "=m"(p.resume)::"rax", "memory");
    arm_fault_probe(nullptr);
    r.check(p.hit, "cpu.exception.ud", "ud2 caught and skipped");
}

void check_page_fault(TestReport& r) {
    FaultProbe p{.vector = static_cast<std::uint8_t>(Exception::pf)};
    arm_fault_probe(&p);
    asm volatile("leaq 1f(%%rip), %%rax; movq %%rax, %0; movq (%1), %%rax; 1:"
                 : "=m"(p.resume)
                 : "r"(unmapped_address)
                 : "rax", "memory");
    arm_fault_probe(nullptr);
    // Error code 0: a read of a not-present page in supervisor mode.
    r.check(p.hit && p.cr2 == unmapped_address && p.error_code == 0, "cpu.exception.pf",
            "read of {:x}: hit={} cr2={:x} error={:x}", unmapped_address, p.hit, p.cr2, p.error_code);
}

void check_general_protection(TestReport& r) {
    FaultProbe p{.vector = static_cast<std::uint8_t>(Exception::gp)};
    arm_fault_probe(&p);
    asm volatile("leaq 1f(%%rip), %%rax; movq %%rax, %0; movq (%1), %%rax; 1:"
                 : "=m"(p.resume)
                 : "r"(noncanonical_address)
                 : "rax", "memory");
    arm_fault_probe(nullptr);
    r.check(p.hit, "cpu.exception.gp", "non-canonical read of {:x} caught", noncanonical_address);
}

void check_timer(TestReport& r) {
    if (!lapic::init()) {
        r.fail("apic.timer", "no usable local APIC");
        return;
    }
    constexpr std::uint32_t count = 0x10000;
    constexpr std::uint64_t wanted = 5;
    // Bounded so that a timer that never fires fails the check, not the run.
    constexpr std::uint64_t max_spins = 400'000'000;
    const std::uint64_t start_ticks = lapic::ticks();
    lapic::start_periodic(count);
    enable_interrupts();
    std::uint64_t first_tsc = 0;
    std::uint64_t spins = 0;
    while (lapic::ticks() - start_ticks < wanted && spins++ < max_spins) {
        if (first_tsc == 0 && lapic::ticks() != start_ticks) {
            first_tsc = rdtsc();
        }
        pause();
    }
    const std::uint64_t end_tsc = rdtsc();
    disable_interrupts();
    lapic::stop();
    const std::uint64_t got = lapic::ticks() - start_ticks;
    r.check(got >= wanted, "apic.timer", "{} periodic interrupts on vector {:x} (LAPIC id {}, base {:x})", got,
            lapic::timer_vector, lapic::id(), lapic::base_phys());
    if (got >= wanted && first_tsc != 0) {
        r.info("apic.timer.period", "{} TSC cycles per {} timer counts", (end_tsc - first_tsc) / (got - 1), count);
    }
}

void check_vmx(TestReport& r) {
    if (!vmx::cpu_has_vmx()) {
        r.skip("vmx.cpuid", "VMX absent (CPUID.1:ECX[5]=0); VT-x needs Bochs, KVM or hardware");
        return;
    }
    r.pass("vmx.cpuid", "VMX offered (CPUID.1:ECX[5]=1)");

    std::uint64_t fc = 0;
    const vmx::FeatureControl state = vmx::enable_feature_control(fc);
    if (state == vmx::FeatureControl::disabled_locked) {
        r.fail("vmx.feature-control", "IA32_FEATURE_CONTROL={:x}: locked with VMX disabled by firmware", fc);
        return;
    }
    r.pass("vmx.feature-control", "IA32_FEATURE_CONTROL={:x} ({})", fc,
           state == vmx::FeatureControl::enabled ? "enabled by firmware" : "enabled and locked by the kernel");

    std::uint64_t cr0 = 0, cr4 = 0;
    if (!vmx::apply_fixed_bits(cr0, cr4)) {
        r.fail("vmx.fixed-bits", "CR0/CR4 cannot meet IA32_VMX_CR*_FIXED*");
        return;
    }
    r.pass("vmx.fixed-bits", "CR0={:x} CR4={:x}", cr0, cr4);

    const vmx::Capabilities caps = vmx::capabilities();
    r.check(caps.ept && caps.vpid && caps.unrestricted_guest && caps.preemption_timer, "vmx.capabilities",
            "revision={:x} ept={} vpid={} unrestricted-guest={} preemption-timer={}", caps.revision, caps.ept,
            caps.vpid, caps.unrestricted_guest, caps.preemption_timer);

    const vmx::OnOffResult on_off = vmx::vmxon_then_vmxoff(caps.revision);
    r.check(on_off.vmxon == vmx::InstrStatus::ok && on_off.vmxoff == vmx::InstrStatus::ok, "vmx.vmxon-vmxoff",
            "VMXON region at {:x}: vmxon {}, vmxoff {}", on_off.region_phys, vmx::to_string(on_off.vmxon),
            vmx::to_string(on_off.vmxoff));
}

}  // namespace

void run_self_tests(TestReport& r) {
    check_long_mode(r);
    check_trap(r);
    check_invalid_opcode(r);
    check_page_fault(r);
    check_general_protection(r);
    check_timer(r);
    check_vmx(r);
}

void provoke_triple_fault() {
    struct [[gnu::packed]] {
        std::uint16_t limit;
        std::uint64_t base;
    } const empty_idt{0, 0};
    asm volatile("lidt %0; int3" ::"m"(empty_idt) : "memory");
    halt_forever();
}

void provoke_page_fault() {
    *reinterpret_cast<volatile std::uint64_t*>(provoked_fault_address) = 0;
    halt_forever();
}

void start_virtualization(TestReport& report) {
    if (vmx::cpu_has_vmx()) {
        const bool on = vmx::turn_on();
        report.check(on, "vmx.on", "VMX on for guests (VMCS revision {:x})", vmx::revision());
    } else {
        report.skip("vmx.on", "VMX absent: guests cannot run on this machine");
    }
}

}  // namespace septum::arch
