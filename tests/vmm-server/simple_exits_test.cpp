#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/hypercall.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using abi::VmxExit;

constexpr std::uint32_t r(VmxExit e) { return static_cast<std::uint32_t>(e); }

class ExitTest : public VmmTest {
protected:
    Outcome run(VmxExit reason, std::uint64_t qualification = 0, std::uint32_t length = 2) {
        set_exit(r(reason), qualification, length);
        return handle_exit(guest, vcpu, memory);
    }
};

TEST_F(ExitTest, CpuidWritesAllFourAndSkips) {
    page.state.rax = 0xffffffff00000000;  // upper half ignored: leaf 0
    page.state.rbx = page.state.rcx = page.state.rdx = ~std::uint64_t{0};
    page.state.rip = 0x1000;
    EXPECT_EQ(run(VmxExit::cpuid), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0xdu);
    EXPECT_EQ(page.state.rbx, 0x756e6547u);
    EXPECT_EQ(page.state.rip, 0x1002u);
    EXPECT_EQ(vcpu.dirty(), abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags);
    page.state.rax = 0x40000000;
    EXPECT_EQ(run(VmxExit::cpuid), Outcome::resume());
    EXPECT_EQ(page.state.rbx, 0x74706553u);  // "Sept"
}

// A CPUID exit brings no control registers (state_needed): leaf 1, whose
// OSXSAVE bit follows CR4, fetches them; the other leaves do not.
class Cr4Source final : public StateSource {
public:
    explicit Cr4Source(abi::VcpuPage& page) : page_(page) {}
    bool read(std::uint64_t mask) override {
        asked |= mask;
        page_.state.cr4 = x86::cr4::osxsave;  // what the kernel would store
        return true;
    }
    std::uint64_t asked = 0;

private:
    abi::VcpuPage& page_;
};

TEST_F(ExitTest, CpuidLeafOneFetchesCr4) {
    Cr4Source source(page);
    vcpu.set_source(&source);
    page.state.cr4 = 0;  // stale: an older exit's
    vcpu.arrived(state_needed(static_cast<std::uint32_t>(VmxExit::cpuid)));
    page.state.rax = 0;
    EXPECT_EQ(run(VmxExit::cpuid), Outcome::resume());
    EXPECT_EQ(source.asked, 0u);
    vcpu.arrived(state_needed(static_cast<std::uint32_t>(VmxExit::cpuid)));
    page.state.rax = 1;
    EXPECT_EQ(run(VmxExit::cpuid), Outcome::resume());
    EXPECT_EQ(source.asked, abi::vcpu_state::control);
    const bool host_xsave = (cpuid.query(1, 0, x86::cr4::osxsave).ecx & (1u << 27)) != 0;
    EXPECT_EQ((page.state.rcx & (1u << 27)) != 0, host_xsave);  // OSXSAVE from the fetched CR4
}

TEST_F(ExitTest, RdmsrWrmsr) {
    page.state.rcx = static_cast<std::uint32_t>(x86::Msr::lstar);
    page.state.rdx = 0xffffffff;
    page.state.rax = 0x81000000;
    EXPECT_EQ(run(VmxExit::wrmsr), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_EQ(guest.msrs.lstar, 0xffffffff81000000u);
    page.state.rax = page.state.rdx = 0x1234'0000'0000;
    EXPECT_EQ(run(VmxExit::rdmsr), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0x81000000u);
    EXPECT_EQ(page.state.rdx, 0xffffffffu);
}

TEST_F(ExitTest, UnknownMsrInjectsGpAndKeepsRip) {
    page.state.rip = 0x2000;
    page.state.rcx = 0x1d9;  // IA32_DEBUGCTL: not on the list
    EXPECT_EQ(run(VmxExit::rdmsr), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    EXPECT_EQ(page.state.rip, 0x2000u);
    EXPECT_EQ(run(VmxExit::wrmsr), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    EXPECT_EQ(page.state.rip, 0x2000u);
}

TEST_F(ExitTest, HltWaitsUnlessAnInterruptCanComeIn) {
    page.state.rip = 0x10;
    EXPECT_EQ(run(VmxExit::hlt, 0, 1), Outcome::wait());
    EXPECT_EQ(page.state.rip, 0x11u);
    guest.raise_interrupt(0x20);
    EXPECT_EQ(run(VmxExit::hlt, 0, 1), Outcome::wait());  // IF = 0: stays halted, asks for a window
    EXPECT_TRUE(vcpu.interrupt_window_wanted());
    page.state.rflags |= x86::rflags::if_;
    EXPECT_EQ(run(VmxExit::hlt, 0, 1), Outcome::resume());
    EXPECT_TRUE(injected());
    EXPECT_EQ(injected_vector(), 0x20u);
    EXPECT_FALSE(guest.interrupt_pending());
}

TEST_F(ExitTest, InterruptWindowLetsThePendingInterruptIn) {
    guest.raise_interrupt(0x41);
    page.state.rflags |= x86::rflags::if_;
    page.state.interruptibility = x86::interruptibility::sti;
    EXPECT_EQ(run(VmxExit::interrupt_window), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_TRUE(vcpu.interrupt_window_wanted());
    page.state.interruptibility = 0;
    EXPECT_EQ(run(VmxExit::interrupt_window), Outcome::resume());
    EXPECT_EQ(injected_vector(), 0x41u);
    EXPECT_EQ(injection().type(), x86::EventType::external_interrupt);
}

// An interrupt that cannot go in because another event is being injected
// asks for a window, which opens once that event is delivered.
TEST_F(ExitTest, InterruptBehindAnInjectedEventAsksForAWindow) {
    guest.raise_interrupt(0x30);
    page.state.rflags |= x86::rflags::if_;
    page.state.rcx = 0x1d9;  // an MSR not on the list: #GP goes in first
    EXPECT_EQ(run(VmxExit::rdmsr), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    EXPECT_TRUE(guest.interrupt_pending());
    EXPECT_TRUE(vcpu.interrupt_window_wanted());
}

// Two pending interrupts: one goes in, and a window is asked for the other.
TEST_F(ExitTest, SecondPendingInterruptAsksForAWindow) {
    guest.raise_interrupt(0x30);
    guest.raise_interrupt(0x31);
    page.state.rflags |= x86::rflags::if_;
    set_exit(abi::exit_reason_signal);
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_TRUE(injected());
    EXPECT_TRUE(guest.interrupt_pending());
    EXPECT_TRUE(vcpu.interrupt_window_wanted());
}

TEST_F(ExitTest, SignalDeliversPendingInterrupts) {
    guest.raise_interrupt(0x30);
    page.state.rflags |= x86::rflags::if_;
    set_exit(abi::exit_reason_signal);
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_EQ(injected_vector(), 0x30u);
}

// A run that ends on a signal or the VMM's deadline: the kernel took what
// it supplied (nothing is supplied twice), but the event it injected may
// still wait in the VCPU, so no other event replaces it; an interrupt
// raised meanwhile waits for a window instead of going in.
TEST_F(ExitTest, OwnEventsNeitherResupplyNorReplaceAnInjection) {
    guest.raise_interrupt(0x30);
    page.state.rflags |= x86::rflags::if_;
    EXPECT_EQ(run(VmxExit::hlt), Outcome::resume());  // woken at once: the interrupt goes in
    ASSERT_EQ(injected_vector(), 0x30u);
    for (const std::uint32_t own : {abi::exit_reason_signal, abi::exit_reason_deadline}) {
        guest.raise_interrupt(0x40);
        set_exit(own);
        EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
        EXPECT_EQ(vcpu.dirty(), 0u) << own;
        EXPECT_EQ(injected_vector(), 0x30u) << own;  // still shown as waiting, not replaced
        EXPECT_TRUE(guest.interrupt_pending());
        EXPECT_TRUE(vcpu.interrupt_window_wanted()) << own;
    }
    // The guest's own next exit: the window opens, 0x40 goes in.
    EXPECT_EQ(run(VmxExit::interrupt_window), Outcome::resume());
    EXPECT_EQ(injected_vector(), 0x40u);
}

TEST_F(ExitTest, XsetbvValidatesPerSdm) {
    page.state.cr4 = x86::cr4::osxsave;
    page.state.rcx = 0;
    page.state.rax = 3;
    EXPECT_EQ(run(VmxExit::xsetbv, 0, 3), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_EQ(page.state.xcr0, 3u);
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::xcr0, 0u);
    for (std::uint64_t bad : {0ull, 2ull, 7ull, 5ull, 1ull << 9, 1ull << 40}) {
        page.state.rax = bad & 0xffffffff;
        page.state.rdx = bad >> 32;
        EXPECT_EQ(run(VmxExit::xsetbv, 0, 3), Outcome::resume());
        EXPECT_TRUE(injected_gp()) << bad;
        EXPECT_EQ(page.state.xcr0, 3u);
    }
    page.state.rax = 1;
    page.state.rdx = 0;
    page.state.rcx = 1;  // XCR1
    EXPECT_EQ(run(VmxExit::xsetbv, 0, 3), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.rcx = 0;
    page.state.cr4 = 0;
    EXPECT_EQ(run(VmxExit::xsetbv, 0, 3), Outcome::resume());
    EXPECT_TRUE(injected_ud());
}

TEST_F(ExitTest, Hypercalls) {
    page.state.rax = static_cast<std::uint64_t>(hypercall::Function::version);
    EXPECT_EQ(run(VmxExit::vmcall, 0, 3), Outcome::resume());
    EXPECT_EQ(page.state.rax, hypercall::abi_version);
    for (char c : std::string("ok")) {
        page.state.rax = static_cast<std::uint64_t>(hypercall::Function::console_put);
        page.state.rbx = static_cast<std::uint8_t>(c);
        EXPECT_EQ(run(VmxExit::vmcall, 0, 3), Outcome::resume());
        EXPECT_EQ(page.state.rax, hypercall::success);
    }
    EXPECT_EQ(console.out, "ok");
    page.state.rax = 77;
    EXPECT_EQ(run(VmxExit::vmcall, 0, 3), Outcome::resume());
    EXPECT_EQ(page.state.rax, hypercall::unknown_function);
    page.state.rax = static_cast<std::uint64_t>(hypercall::Function::stop);
    page.state.rbx = 9;
    EXPECT_EQ(run(VmxExit::vmcall, 0, 3), Outcome::stop(StopReason::guest_request, 9));
}

TEST_F(ExitTest, HypercallsFromUserModeAreRefused) {
    page.state.ss.access_rights |= 3u << 5;
    page.state.rax = static_cast<std::uint64_t>(hypercall::Function::stop);
    EXPECT_EQ(run(VmxExit::vmcall, 0, 3), Outcome::resume());
    EXPECT_EQ(page.state.rax, hypercall::not_permitted);
}

TEST_F(ExitTest, RdtscAndRdrand) {
    clock.now = 0x1'0000'0002;
    EXPECT_EQ(run(VmxExit::rdtsc), Outcome::resume());
    EXPECT_EQ(page.state.rax, 2u);
    EXPECT_EQ(page.state.rdx, 1u);
    EXPECT_EQ(run(VmxExit::rdtscp, 0, 3), Outcome::resume());
    EXPECT_TRUE(injected_ud());
    page.state.rflags |= x86::rflags::cf;
    page.state.rbx = 55;
    page.exit.instruction_info = (3u << 3) | (1u << 11);  // RDRAND EBX
    page.exit.reason = r(VmxExit::rdrand);
    page.exit.instruction_length = 3;
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_EQ(page.state.rbx, 0u);
    EXPECT_EQ(page.state.rflags & x86::rflags::cf, 0u);
}

TEST_F(ExitTest, TripleFaultResetsToTheInitialState) {
    guest.initial = real_mode_state();
    guest.initial.rip = 0x7c00;
    guest.msrs.lstar = 5;
    page.state.rax = 99;
    EXPECT_EQ(run(VmxExit::triple_fault), Outcome::reset());
    EXPECT_EQ(page.state.rip, 0x7c00u);
    EXPECT_EQ(page.state.rax, 0u);
    EXPECT_EQ(guest.msrs.lstar, 0u);
    EXPECT_EQ(vcpu.dirty(),
              abi::vcpu_state::stored |
                  abi::vcpu_state::injection);  // all but the APIC part, which deliver_interrupts supplies
    EXPECT_FALSE(injected());
}

TEST_F(ExitTest, ExceptionsAreReflectedOrStopPerPolicy) {
    page.exit = {};
    page.exit.reason = r(VmxExit::exception_or_nmi);
    page.exit.interruption_info = x86::EventInfo::make(x86::EventType::hardware_exception, 14, true).raw;
    page.exit.interruption_error = 2;
    page.exit.qualification = 0xdead0000;
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_EQ(injected_vector(), 14u);
    EXPECT_EQ(page.state.inject_error, 2u);
    EXPECT_EQ(page.state.cr2, 0xdead0000u);
    guest.policy.exceptions = Policy::Exceptions::stop;
    const Outcome o = handle_exit(guest, vcpu, memory);
    EXPECT_EQ(o.action, Action::stop);
    EXPECT_EQ(o.reason, StopReason::exception);
    page.exit.interruption_info = 0;  // not valid: nothing to reflect
    EXPECT_EQ(handle_exit(guest, vcpu, memory).reason, StopReason::unhandled_exit);
}

TEST_F(ExitTest, MachineCheckAlwaysStops) {
    page.exit = {};
    page.exit.reason = r(VmxExit::exception_or_nmi);
    page.exit.interruption_info = x86::EventInfo::make(x86::EventType::hardware_exception, 18).raw;
    EXPECT_EQ(handle_exit(guest, vcpu, memory).reason, StopReason::exception);
}

TEST_F(ExitTest, EveryReasonGetsAnExplicitOutcome) {
    for (std::uint32_t reason = 0; reason < 0x10000; ++reason) {
        page.state = protected_mode_state();
        set_exit(reason, 0, 1);
        const Outcome o = handle_exit(guest, vcpu, memory);
        if (abi::vmx_exit_name(reason) == nullptr) {
            EXPECT_EQ(o, Outcome::stop(StopReason::unknown_exit, reason)) << reason;
        } else {
            EXPECT_TRUE(o.action != Action::stop || o.reason != StopReason::none) << reason;
            EXPECT_NE(o.reason, StopReason::unknown_exit) << reason;
        }
    }
}

TEST_F(ExitTest, EntryFailuresStop) {
    set_exit(abi::ExitReason::entry_failure(VmxExit::entry_invalid_guest_state).raw);
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::stop(StopReason::entry_failure, 33));
    set_exit(34);
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::stop(StopReason::entry_failure, 34));
}

TEST_F(ExitTest, HiddenFeaturesAreUndefinedOpcodes) {
    for (VmxExit e : {VmxExit::vmxon, VmxExit::vmread, VmxExit::monitor, VmxExit::mwait, VmxExit::invpcid,
                      VmxExit::getsec, VmxExit::xsaves}) {
        page.state.rip = 0x500;
        EXPECT_EQ(run(e), Outcome::resume());
        EXPECT_TRUE(injected_ud()) << r(e);
        EXPECT_EQ(page.state.rip, 0x500u);
    }
    EXPECT_EQ(run(VmxExit::rdpmc), Outcome::resume());
    EXPECT_TRUE(injected_gp());
}

TEST_F(ExitTest, AnInterruptedEventDeliveryIsReinjected) {
    set_exit(r(VmxExit::cpuid), 0, 2);
    page.exit.idt_vectoring_info = x86::EventInfo::make(x86::EventType::external_interrupt, 0x22).raw;
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_TRUE(injected());
    EXPECT_EQ(injected_vector(), 0x22u);
}

}  // namespace
}  // namespace septum::vmm::testing
