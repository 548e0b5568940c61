// The VMM's side of the CPU's APIC virtualization: the local APIC model
// completing writes the CPU let into its page (APIC write), the exits of
// APIC virtualization, and interrupt delivery through the guest interrupt
// status instead of injection. The software path (every access exits) is
// local_apic_test.cpp's and mmio_test.cpp's.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/apic_virtualization.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/local_apic.hpp>

#include <cstring>
#include <vector>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using A = LocalApic;
namespace av = abi::apic_virt;

constexpr CpuidOptions apic_options{5'000'000, true, false};
constexpr std::uint32_t hardware =
    av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery;

struct Eois final : EoiListener {
    std::vector<std::uint8_t> vectors;
    void end_of_interrupt(std::uint8_t vector) override { vectors.push_back(vector); }
};

TEST(ApicVirtualization, FeaturesTheVmmUses) {
    EXPECT_EQ(xapic_features(0), 0u);
    EXPECT_EQ(xapic_features(av::all), hardware);  // never x2APIC mode: the guest's APIC is an xAPIC
    // Without APIC-access virtualization nothing is mapped at the xAPIC: emulated.
    EXPECT_EQ(xapic_features(av::all & ~av::apic_accesses), 0u);
    // The TPR shadow only with virtual-interrupt delivery.
    EXPECT_EQ(xapic_features(av::all & ~av::interrupt_delivery), av::apic_accesses);
    EXPECT_EQ(xapic_features(av::apic_accesses | av::interrupt_delivery), av::apic_accesses);
    EXPECT_EQ(xapic_features(av::tpr_shadow | av::apic_accesses | av::interrupt_delivery),
              av::tpr_shadow | av::apic_accesses | av::interrupt_delivery);
    for (std::uint32_t offered = 0; offered <= av::all; ++offered) {
        EXPECT_TRUE(av::valid(xapic_features(offered))) << offered;
        EXPECT_EQ(xapic_features(offered) & ~offered, 0u) << offered;
    }
}

class ApicVirtTest : public VmmTest {
protected:
    ApicVirtTest() {
        guest.apic = &apic;
        guest.apic_virt = hardware;
        apic.connect(eois);
        EXPECT_EQ(apic.attach(mmio), Status::ok);
        (void)apic.write(A::svr_reg, 4, 0x1ff);
    }
    Outcome run(abi::VmxExit reason, std::uint64_t qualification = 0, std::uint32_t length = 0) {
        set_exit(static_cast<std::uint32_t>(reason), qualification, length);
        return handle_exit(guest, vcpu, memory);
    }
    // A guest store the CPU let into the page, then its APIC-write exit.
    Outcome guest_writes(std::uint32_t offset, std::uint32_t value) {
        apic_page.words[offset / 4] = value;
        return run(abi::VmxExit::apic_write, offset);
    }

    CpuidPolicy apic_cpuid{host_cpuid, apic_options};
    ApicPage apic_page;
    LocalApic apic{clock, apic_cpuid, apic_page};
    Eois eois;
};

TEST_F(ApicVirtTest, ApicWritesTakeEffectFromTheValueBefore) {
    // SVR: disabling masks every LVT (the model knew it was enabled).
    EXPECT_EQ(guest_writes(A::lvt_timer_reg, 0x40), Outcome::resume());
    EXPECT_EQ(apic.reg(A::lvt_timer_reg), 0x40u);
    EXPECT_EQ(guest_writes(A::svr_reg, 0xff), Outcome::resume());
    EXPECT_EQ(apic.reg(A::lvt_timer_reg), 0x40u | A::lvt_masked);
    EXPECT_EQ(guest_writes(A::svr_reg, 0x1ff), Outcome::resume());
    // LVT bits the register does not have are dropped; the timer starts.
    EXPECT_EQ(guest_writes(A::lvt_timer_reg, 0xffff0040u & ~A::lvt_masked & ~(3u << 17)), Outcome::resume());
    EXPECT_EQ(apic.reg(A::lvt_timer_reg), 0x40u);
    EXPECT_EQ(guest_writes(A::initial_count_reg, 100), Outcome::resume());
    EXPECT_NE(apic.timer_deadline(), A::no_deadline);
    clock.now = apic.timer_deadline();
    apic.advance(clock.now);
    EXPECT_TRUE(apic.irr(0x40));
    // A read-only register keeps its value.
    EXPECT_EQ(guest_writes(A::id_reg, 0x05000000), Outcome::resume());
    EXPECT_EQ(apic.reg(A::id_reg), 0u);
    EXPECT_EQ(guest_writes(A::version_reg, 0), Outcome::resume());
    EXPECT_EQ(apic.reg(A::version_reg), 0x01060014u);
    // A fixed IPI to itself reaches IRR; ESR latches the errors so far.
    EXPECT_EQ(guest_writes(A::icr_low_reg, 0x45 | (1u << 18)), Outcome::resume());
    EXPECT_TRUE(apic.irr(0x45));
    EXPECT_EQ(guest_writes(A::icr_low_reg, 0x05 | (1u << 18)), Outcome::resume());  // an illegal vector
    EXPECT_EQ(guest_writes(A::esr_reg, 0), Outcome::resume());
    EXPECT_EQ(apic.reg(A::esr_reg), A::esr_send_illegal_vector);
    // An offset inside a register (the CPU reports none: it virtualizes
    // only writes at a register's start) or beyond them: nothing happens.
    const ApicPage before = apic_page;
    EXPECT_EQ(run(abi::VmxExit::apic_write, A::lvt_timer_reg + 4), Outcome::resume());
    EXPECT_EQ(run(abi::VmxExit::apic_write, 0xff0), Outcome::resume());
    EXPECT_EQ(std::memcmp(&before, &apic_page, sizeof before), 0);
}

// Interrupts go in by the guest interrupt status: no injection, no
// interrupt window; a halted guest wakes for what its priority lets in.
TEST_F(ApicVirtTest, DeliveryByTheGuestInterruptStatus) {
    page.state.rflags |= x86::rflags::if_;  // the guest can take interrupts (after the HLT it skips)
    EXPECT_EQ(run(abi::VmxExit::hlt, 0, 1), Outcome::wait());
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::apic, 0u);
    EXPECT_EQ(page.state.apic.rvi, 0);
    guest.raise_interrupt(0x31);
    apic.deliver({0x62, DeliveryMode::fixed, false, true, 0});  // level-triggered, from the I/O APIC
    EXPECT_EQ(run(abi::VmxExit::hlt, 0, 1), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_FALSE(vcpu.interrupt_window_wanted());
    EXPECT_EQ(page.state.apic.rvi, 0x62);
    EXPECT_EQ(page.state.apic.svi, 0);
    EXPECT_EQ(page.state.apic.eoi_exit[1], std::uint64_t{1} << (0x62 - 64));
    EXPECT_EQ(page.state.apic.eoi_exit[0] | page.state.apic.eoi_exit[2] | page.state.apic.eoi_exit[3], 0u);
    // The CPU delivers 0x62 (IRR to ISR in the page, PPR its class); 0x31
    // waits behind it, handed to no one, and 0x62's EOI exits: the I/O
    // APIC hears of it and the VMM hands 0x31 over.
    apic_page.words[(A::irr_reg + 0x30) / 4] = 0;
    apic_page.words[(A::isr_reg + 0x30) / 4] = 1u << 2;
    apic_page.words[A::ppr_reg / 4] = 0x60;
    EXPECT_EQ(run(abi::VmxExit::cpuid, 0, 2).action, Action::resume);
    EXPECT_EQ(page.state.apic.rvi, 0);
    EXPECT_EQ(page.state.apic.svi, 0x62);
    EXPECT_EQ(page.state.apic.eoi_exit[1], std::uint64_t{1} << (0x62 - 64));
    apic_page.words[(A::isr_reg + 0x30) / 4] = 0;
    EXPECT_EQ(run(abi::VmxExit::virtualized_eoi, 0x62), Outcome::resume());
    EXPECT_EQ(eois.vectors, std::vector<std::uint8_t>{0x62});
    EXPECT_EQ(page.state.apic.svi, 0);
    EXPECT_EQ(page.state.apic.rvi, 0x31);
    // Interrupts off: nothing is handed over; the window exit will. A HLT
    // then waits, whatever is pending (the program calls that powered off).
    page.state.rflags &= ~x86::rflags::if_;
    EXPECT_EQ(run(abi::VmxExit::cpuid, 0, 2).action, Action::resume);
    EXPECT_EQ(page.state.apic.rvi, 0);
    EXPECT_TRUE(vcpu.interrupt_window_wanted());
    EXPECT_EQ(run(abi::VmxExit::hlt, 0, 1), Outcome::wait());
    EXPECT_EQ(page.state.apic.rvi, 0);
    page.state.rflags |= x86::rflags::if_;
    // A priority above the pending one: a HLT waits, and the CPU is handed nothing.
    (void)apic.write(A::tpr_reg, 4, 0x40);
    EXPECT_EQ(run(abi::VmxExit::hlt, 0, 1), Outcome::wait());
    EXPECT_EQ(page.state.apic.rvi, 0);
    EXPECT_FALSE(vcpu.interrupt_window_wanted());
    // The VMM's own events supply it too.
    set_exit(abi::exit_reason_deadline);
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::apic, 0u);
}

// Reads the CPU does not virtualize come back as APIC-access exits and are
// emulated at the xAPIC's address; fetches and the like are refused.
TEST_F(ApicVirtTest, ApicAccessesAreEmulated) {
    (void)apic.write(A::lvt_timer_reg, 4, 0x40);
    (void)apic.write(A::initial_count_reg, 4, 1000);
    put_code(page.state.cs.base + page.state.rip, {0x8b, 0x03});  // mov eax, [ebx]
    page.state.rax = 0;
    const std::uint64_t rip = page.state.rip;
    EXPECT_EQ(run(abi::VmxExit::apic_access, A::current_count_reg), Outcome::resume());  // a linear read
    EXPECT_EQ(page.state.rax, apic.current_count());
    EXPECT_EQ(page.state.rip, rip + 2);
    // A write decoded where the CPU reported a read: refused.
    put_code(page.state.cs.base + page.state.rip, {0x89, 0x03});  // mov [ebx], eax
    EXPECT_EQ(run(abi::VmxExit::apic_access, A::current_count_reg).action, Action::stop);
    for (const std::uint64_t type : {2u, 3u, 10u, 15u}) {
        EXPECT_EQ(run(abi::VmxExit::apic_access, (type << 12) | A::tpr_reg).action, Action::stop) << type;
    }
    guest.policy.unclaimed = Policy::Unclaimed::inject_gp;
    EXPECT_EQ(run(abi::VmxExit::apic_access, (2u << 12) | A::tpr_reg), Outcome::resume());
    EXPECT_TRUE(injected_gp());
}

// Without a local APIC, the exits of its virtualization are refused.
TEST_F(VmmTest, ApicVirtualizationExitsWithoutAnApic) {
    for (const abi::VmxExit r : {abi::VmxExit::apic_access, abi::VmxExit::apic_write, abi::VmxExit::virtualized_eoi,
                                 abi::VmxExit::tpr_below_threshold}) {
        set_exit(static_cast<std::uint32_t>(r));
        EXPECT_EQ(handle_exit(guest, vcpu, memory).action, Action::stop) << static_cast<int>(r);
    }
}

}  // namespace
}  // namespace septum::vmm::testing
