#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/ioapic.hpp>
#include <septum/vmm/local_apic.hpp>

#include <vector>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using A = LocalApic;

// 5 GHz: the crystal is the TSC halved (tsc_crystal), so one count at
// divide 1 is 2 TSC ticks.
constexpr CpuidOptions apic_options{5'000'000, true, true};
constexpr std::uint64_t tsc_per_count = 2;
constexpr std::uint32_t divide_by_1 = 0xb;
constexpr std::uint64_t base_xapic = 0xfee00000 | A::base_bsp | A::base_enable;
constexpr std::uint32_t periodic = 1u << 17, tsc_deadline_mode = 2u << 17;

struct CountingEoi final : EoiListener {
    std::vector<std::uint8_t> vectors;
    void end_of_interrupt(std::uint8_t vector) override { vectors.push_back(vector); }
};

class LocalApicTest : public ::testing::Test {
protected:
    std::uint32_t rd(std::uint32_t offset) { return static_cast<std::uint32_t>(apic.read(offset, 4)); }
    void wr(std::uint32_t offset, std::uint32_t value) { EXPECT_EQ(apic.write(offset, 4, value), Outcome::resume()); }
    void enable() { wr(A::svr_reg, 0x1ff); }
    std::uint32_t esr() {
        wr(A::esr_reg, 0);
        return rd(A::esr_reg);
    }
    std::uint32_t x2(std::uint32_t offset) { return 0x800 + offset / 16; }

    FakeHostCpuid host;
    CpuidPolicy cpuid{host, apic_options};
    FakeClock clock;
    ApicPage page;
    LocalApic apic{clock, cpuid, page};
    CountingEoi eoi;
};

TEST_F(LocalApicTest, PowerOnState) {
    EXPECT_EQ(apic.base(), base_xapic);
    EXPECT_EQ(rd(A::id_reg), 0u);
    EXPECT_EQ(rd(A::version_reg), 0x01060014u);  // EOI-broadcast suppression, 7 LVTs, version 0x14
    EXPECT_EQ(rd(A::svr_reg), 0xffu);
    EXPECT_EQ(rd(A::dfr_reg), 0xffffffffu);
    for (std::uint32_t lvt : {A::lvt_cmci_reg, A::lvt_timer_reg, A::lvt_thermal_reg, A::lvt_perf_reg, A::lvt_lint0_reg,
                              A::lvt_lint1_reg, A::lvt_error_reg}) {
        EXPECT_EQ(rd(lvt), A::lvt_masked) << lvt;
    }
    EXPECT_EQ(rd(A::tpr_reg) | rd(A::ppr_reg) | rd(A::initial_count_reg) | rd(A::current_count_reg), 0u);
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
    EXPECT_EQ(apic.next_interrupt(), -1);
    // The register page is the hardware's layout: the version at 0x30.
    EXPECT_EQ(&apic.page(), &page);
    EXPECT_EQ(page.words[0x30 / 4], 0x01060014u);
    EXPECT_EQ(page.words[A::lvt_timer_reg / 4], A::lvt_masked);
}

TEST_F(LocalApicTest, SoftwareDisableKeepsTheLvtsMasked) {
    wr(A::lvt_timer_reg, 0x20);
    EXPECT_EQ(rd(A::lvt_timer_reg), A::lvt_masked | 0x20);
    apic.raise(0x40);
    EXPECT_FALSE(apic.irr(0x40));  // a software-disabled APIC takes no fixed interrupt
    enable();
    wr(A::lvt_timer_reg, 0x20);
    wr(A::lvt_lint0_reg, 0x700);
    EXPECT_EQ(rd(A::lvt_timer_reg), 0x20u);
    apic.raise(0x40);
    EXPECT_TRUE(apic.irr(0x40));
    wr(A::svr_reg, 0xff);
    EXPECT_EQ(rd(A::lvt_timer_reg), A::lvt_masked | 0x20);
    EXPECT_EQ(rd(A::lvt_lint0_reg), A::lvt_masked | 0x700);
    EXPECT_TRUE(apic.irr(0x40));  // what was pending stays
}

TEST_F(LocalApicTest, ReadOnlyReservedAndNarrowAccesses) {
    enable();
    wr(A::version_reg, 0);
    wr(A::ppr_reg, 0xff);
    wr(A::irr_reg, 0xffffffff);
    EXPECT_EQ(rd(A::version_reg), 0x01060014u);
    EXPECT_EQ(rd(A::ppr_reg), 0u);
    EXPECT_EQ(rd(A::irr_reg), 0u);
    EXPECT_EQ(esr(), 0u);  // read-only registers ignore writes without an error
    EXPECT_EQ(rd(0x40), 0u);
    EXPECT_EQ(esr(), A::esr_illegal_register);
    wr(A::self_ipi_reg, 0x40);  // SELF IPI is x2APIC only
    EXPECT_EQ(esr(), A::esr_illegal_register);
    EXPECT_FALSE(apic.irr(0x40));
    EXPECT_EQ(esr(), 0u);
    // Bytes of a register; the padding after it reads 0; narrow and
    // unaligned writes do nothing.
    EXPECT_EQ(apic.read(A::version_reg + 2, 1), 0x06u);
    EXPECT_EQ(apic.read(A::version_reg, 8), 0x01060014u);
    EXPECT_EQ(apic.read(A::version_reg + 4, 4), 0u);
    EXPECT_EQ(apic.write(A::tpr_reg, 2, 0x50), Outcome::resume());
    EXPECT_EQ(apic.write(A::tpr_reg + 4, 4, 0x50), Outcome::resume());
    EXPECT_EQ(rd(A::tpr_reg), 0u);
    wr(A::tpr_reg, 0x1ab);
    EXPECT_EQ(rd(A::tpr_reg), 0xabu);
    wr(A::ldr_reg, 0x12345678);
    EXPECT_EQ(rd(A::ldr_reg), 0x12000000u);
    wr(A::dfr_reg, 0);
    EXPECT_EQ(rd(A::dfr_reg), 0x0fffffffu);
    EXPECT_EQ(rd(A::eoi_reg), 0u);  // write-only: reads 0
}

TEST_F(LocalApicTest, EsrLatchesOnWriteAndRaisesTheErrorLvt) {
    enable();
    apic.deliver({5, DeliveryMode::fixed, false, false, 0});
    EXPECT_FALSE(apic.irr(5));
    EXPECT_EQ(rd(A::esr_reg), 0u);  // not latched yet
    wr(A::esr_reg, 0);
    EXPECT_EQ(rd(A::esr_reg), A::esr_receive_illegal_vector);
    wr(A::esr_reg, 0);
    EXPECT_EQ(rd(A::esr_reg), 0u);
    wr(A::lvt_error_reg, 0xfe);
    wr(A::icr_low_reg, 0x40003);  // self IPI with an illegal vector
    EXPECT_TRUE(apic.irr(0xfe));
    EXPECT_EQ(esr(), A::esr_send_illegal_vector);
    // An illegal error vector ends in its own error, once.
    wr(A::lvt_error_reg, 0x02);
    EXPECT_EQ(rd(0x50), 0u);
    EXPECT_EQ(esr(), A::esr_illegal_register | A::esr_receive_illegal_vector);
}

TEST_F(LocalApicTest, PriorityTprPprAndEoi) {
    enable();
    apic.connect(eoi);
    apic.raise(0x31);
    apic.raise(0x51);
    wr(A::tpr_reg, 0x40);
    EXPECT_EQ(rd(A::ppr_reg), 0x40u);
    EXPECT_EQ(apic.next_interrupt(), 0x51);
    apic.acknowledge(0x51);
    EXPECT_TRUE(apic.isr(0x51));
    EXPECT_FALSE(apic.irr(0x51));
    EXPECT_EQ(rd(A::ppr_reg), 0x50u);
    EXPECT_EQ(apic.next_interrupt(), -1);
    apic.raise(0x52);
    EXPECT_EQ(apic.next_interrupt(), -1);  // same class as the one in service
    apic.raise(0x61);
    EXPECT_EQ(apic.next_interrupt(), 0x61);
    wr(A::eoi_reg, 0);
    EXPECT_FALSE(apic.isr(0x51));
    EXPECT_EQ(rd(A::ppr_reg), 0x40u);
    EXPECT_TRUE(eoi.vectors.empty());  // edge-triggered: no broadcast
    apic.set_cr8(3);
    EXPECT_EQ(rd(A::tpr_reg), 0x30u);
    EXPECT_EQ(apic.cr8(), 3);
    apic.acknowledge(0x61);
    apic.acknowledge(0x52);
    apic.acknowledge(0x31);
    EXPECT_EQ(rd(A::ppr_reg), 0x60u);
    EXPECT_EQ(rd(A::isr_reg + 0x10), 1u << (0x31 - 32));  // ISR: eight dwords of 32 vectors each
    EXPECT_EQ(rd(A::isr_reg + 0x20), 1u << (0x52 - 64));
    EXPECT_EQ(rd(A::isr_reg + 0x30), 1u << (0x61 - 96));
    wr(A::eoi_reg, 0);  // retires 0x61, the highest
    EXPECT_EQ(rd(A::ppr_reg), 0x50u);
    apic.acknowledge(0x99);  // nothing pending: nothing happens
    EXPECT_FALSE(apic.isr(0x99));
}

TEST_F(LocalApicTest, ArbitrationPriority) {
    enable();
    wr(A::tpr_reg, 0x45);
    EXPECT_EQ(rd(A::apr_reg), 0x45u);
    apic.raise(0x61);
    EXPECT_EQ(rd(A::apr_reg), 0x60u);
}

TEST_F(LocalApicTest, LevelTriggeredEoiReachesTheIoApic) {
    IoApic ioapic{apic, pc::ioapic_id};
    apic.connect(ioapic);
    enable();
    (void)ioapic.write(0x00, 4, 0x10 + 2 * 4);
    (void)ioapic.write(0x10, 4, 0x41 | (1u << 15));  // pin 4: vector 0x41, level, physical destination 0
    ioapic.set_line(4, true);
    ASSERT_TRUE(apic.irr(0x41));
    EXPECT_TRUE(apic.tmr(0x41));
    apic.acknowledge(0x41);
    wr(A::eoi_reg, 0);
    // Still asserted: the I/O APIC sends it again at the EOI.
    EXPECT_TRUE(apic.irr(0x41));
    apic.acknowledge(0x41);
    wr(A::svr_reg, 0x1ff | A::svr_suppress_eoi_broadcast);
    wr(A::eoi_reg, 0);
    EXPECT_FALSE(apic.irr(0x41));
    EXPECT_NE(ioapic.entry(4) & (1u << 14), 0u);  // remote IRR waits for the I/O APIC's own EOI
    (void)ioapic.write(0x40, 4, 0x41);
    EXPECT_TRUE(apic.irr(0x41));
    // An edge message clears the TMR bit again.
    apic.acknowledge(0x41);
    apic.deliver({0x41, DeliveryMode::fixed, false, false, 0});
    EXPECT_FALSE(apic.tmr(0x41));
}

// What the VMCS needs under virtual-interrupt delivery, and the EOI the
// CPU virtualized: it retired the vector from the page; the model only
// broadcasts it.
TEST_F(LocalApicTest, VirtualInterruptDelivery) {
    apic.connect(eoi);
    enable();
    LocalApic::VirtualRequest r = apic.virtual_request(true);
    EXPECT_EQ(r.rvi, 0);
    EXPECT_EQ(r.svi, 0);
    EXPECT_FALSE(r.window);
    EXPECT_EQ(r.eoi_exit[0] | r.eoi_exit[1] | r.eoi_exit[2] | r.eoi_exit[3], 0u);
    apic.deliver({0x61, DeliveryMode::fixed, false, true, 0});
    apic.deliver({0x45, DeliveryMode::fixed, false, false, 0});
    r = apic.virtual_request(true);
    EXPECT_EQ(r.rvi, 0x61);
    EXPECT_FALSE(r.window);
    // 0x61 is level-triggered (TMR), and 0x45 waits behind it: 0x61's EOI
    // exits either way.
    EXPECT_EQ(r.eoi_exit[1], std::uint64_t{1} << (0x61 - 64));
    EXPECT_EQ(r.eoi_exit[0] | r.eoi_exit[2] | r.eoi_exit[3], 0u);
    apic.acknowledge(0x61);  // what the CPU's delivery does to the page
    r = apic.virtual_request(true);
    EXPECT_EQ(r.rvi, 0);  // 0x45 is below 0x61's priority: nothing to hand over
    EXPECT_EQ(r.svi, 0x61);
    EXPECT_FALSE(r.window);
    EXPECT_EQ(r.eoi_exit[1], std::uint64_t{1} << (0x61 - 64));  // its EOI comes back to the VMM
    page.words[(A::isr_reg + 0x30) / 4] = 0;                    // the CPU's EOI virtualization
    apic.virtualized_eoi(0x61);
    EXPECT_EQ(eoi.vectors, std::vector<std::uint8_t>{0x61});
    EXPECT_EQ(apic.reg(A::ppr_reg), 0u);
    r = apic.virtual_request(true);
    EXPECT_EQ(r.svi, 0);
    EXPECT_EQ(r.rvi, 0x45);
    EXPECT_EQ(r.eoi_exit[0], 0u);  // nothing else waits; edge-triggered
}

// A guest that cannot take an interrupt now (interrupts off, an STI or MOV
// SS shadow) is handed none: the CPU must never hold one it could deliver
// later on its own, since Bochs 2.7 then delivers it with RFLAGS.IF clear
// when a host interrupt arrives. The VMM asks for the interrupt window
// instead, and every EOI that could let a waiting vector through exits.
TEST_F(LocalApicTest, VirtualInterruptsWaitForTheWindow) {
    enable();
    apic.deliver({0xec, DeliveryMode::fixed, false, false, 0});
    LocalApic::VirtualRequest r = apic.virtual_request(false);
    EXPECT_EQ(r.rvi, 0);
    EXPECT_TRUE(r.window);
    apic.acknowledge(0xec);  // in service; 0x22 arrives behind it
    apic.deliver({0x22, DeliveryMode::fixed, false, false, 0});
    r = apic.virtual_request(false);
    EXPECT_EQ(r.rvi, 0);
    EXPECT_FALSE(r.window);  // its priority holds 0x22 back, not the guest's blocking
    EXPECT_EQ(r.svi, 0xec);
    EXPECT_EQ(r.eoi_exit[3], std::uint64_t{1} << (0xec - 192));  // 0xec's EOI exits
    r = apic.virtual_request(true);
    EXPECT_EQ(r.rvi, 0);
    EXPECT_EQ(r.eoi_exit[3], std::uint64_t{1} << (0xec - 192));
    // Two deliverable vectors: the first is handed over, and its EOI exits
    // so that the second is handed over by the VMM, not picked up by the CPU.
    page.words[(A::isr_reg + 0x70) / 4] = 0;
    apic.virtualized_eoi(0xec);
    apic.deliver({0x31, DeliveryMode::fixed, false, false, 0});
    r = apic.virtual_request(true);
    EXPECT_EQ(r.rvi, 0x31);
    EXPECT_EQ(r.eoi_exit[0], std::uint64_t{1} << 0x31);
    EXPECT_FALSE(r.window);
}

TEST_F(LocalApicTest, DestinationsAndDeliveryModes) {
    enable();
    apic.deliver({0x30, DeliveryMode::fixed, false, false, 1});  // another CPU's ID
    EXPECT_FALSE(apic.irr(0x30));
    apic.deliver({0x30, DeliveryMode::fixed, false, false, 0xff});
    EXPECT_TRUE(apic.irr(0x30));
    wr(A::ldr_reg, 0x01000000);  // flat, logical ID bit 0
    apic.deliver({0x31, DeliveryMode::lowest_priority, true, false, 0x02});
    EXPECT_FALSE(apic.irr(0x31));
    apic.deliver({0x31, DeliveryMode::lowest_priority, true, false, 0x03});
    EXPECT_TRUE(apic.irr(0x31));
    wr(A::dfr_reg, 0x0fffffff);  // cluster: cluster 2, member bit 0
    wr(A::ldr_reg, 0x21000000);
    apic.deliver({0x32, DeliveryMode::fixed, true, false, 0x11});
    EXPECT_FALSE(apic.irr(0x32));
    apic.deliver({0x32, DeliveryMode::fixed, true, false, 0x21});
    EXPECT_TRUE(apic.irr(0x32));
    apic.deliver({0x33, DeliveryMode::init, false, false, 0});
    apic.deliver({0x34, DeliveryMode::extint, false, false, 0});
    apic.deliver({0x35, DeliveryMode::smi, false, false, 0});
    EXPECT_FALSE(apic.irr(0x33) || apic.irr(0x34) || apic.irr(0x35));
    EXPECT_FALSE(apic.nmi_pending());
    apic.deliver({0x02, DeliveryMode::nmi, false, false, 0});
    EXPECT_TRUE(apic.take_nmi());
    EXPECT_FALSE(apic.nmi_pending());
    EXPECT_EQ(esr(), 0u);
}

TEST_F(LocalApicTest, IpisReachOnlyThisCpu) {
    enable();
    wr(A::icr_high_reg, 0);
    wr(A::icr_low_reg, 0x40);  // fixed, physical destination 0: itself
    EXPECT_TRUE(apic.irr(0x40));
    wr(A::icr_high_reg, 0x01000000);
    wr(A::icr_low_reg, 0x41);
    EXPECT_FALSE(apic.irr(0x41));
    wr(A::icr_low_reg, 0xc0042);  // all excluding self
    EXPECT_FALSE(apic.irr(0x42));
    wr(A::icr_low_reg, 0x80043);  // all including self
    EXPECT_TRUE(apic.irr(0x43));
    wr(A::icr_low_reg, 0x44 | (5u << 8));  // INIT, SIPI: one CPU, ignored
    wr(A::icr_low_reg, 0x45 | (6u << 8) | (2u << 18));
    EXPECT_FALSE(apic.irr(0x44) || apic.irr(0x45));
    wr(A::icr_low_reg, 0x80400);  // NMI to all including self
    EXPECT_TRUE(apic.take_nmi());
    EXPECT_EQ(rd(A::icr_low_reg), 0x80400u);  // delivery status: idle
    EXPECT_EQ(rd(A::icr_high_reg), 0x01000000u);
}

class LocalApicTimerTest : public LocalApicTest {
protected:
    void SetUp() override {
        enable();
        wr(A::divide_reg, divide_by_1);
        clock.now = 1000;
    }
};

TEST_F(LocalApicTimerTest, OneShotCountsAtTheCrystalRate) {
    wr(A::lvt_timer_reg, 0x30);
    wr(A::initial_count_reg, 100);
    EXPECT_EQ(apic.timer_deadline(), 1000 + 100 * tsc_per_count);
    clock.now += 50;
    EXPECT_EQ(rd(A::current_count_reg), 75u);
    apic.advance(1199);
    EXPECT_FALSE(apic.irr(0x30));
    clock.now = 1200;
    EXPECT_EQ(rd(A::current_count_reg), 0u);
    apic.advance(1200);
    EXPECT_TRUE(apic.irr(0x30));
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
    EXPECT_EQ(rd(A::initial_count_reg), 100u);
    // Divide by 16 (0b0011): 32 TSC ticks a count.
    wr(A::divide_reg, 3);
    wr(A::initial_count_reg, 10);
    EXPECT_EQ(apic.timer_deadline(), 1200 + 10 * 16 * tsc_per_count);
    wr(A::initial_count_reg, 0);  // stops it
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
}

TEST_F(LocalApicTimerTest, DivideChangeKeepsTheCount) {
    wr(A::lvt_timer_reg, 0x30);
    wr(A::initial_count_reg, 100);
    clock.now += 100;      // 50 counts left
    wr(A::divide_reg, 0);  // divide by 2
    EXPECT_EQ(rd(A::current_count_reg), 50u);
    EXPECT_EQ(apic.timer_deadline(), clock.now + 50 * 2 * tsc_per_count);
}

TEST_F(LocalApicTimerTest, PeriodicCatchesUpWithoutLooping) {
    wr(A::lvt_timer_reg, periodic | 0x30);
    wr(A::initial_count_reg, 1);          // a hostile guest: one count at divide 1
    clock.now += std::uint64_t{1} << 62;  // 2^61 periods later
    const std::uint32_t count = rd(A::current_count_reg);
    EXPECT_GE(count, 1u);
    EXPECT_LE(count, 1u);
    apic.advance(clock.now);
    EXPECT_TRUE(apic.irr(0x30));
    EXPECT_GT(apic.timer_deadline(), clock.now);
    EXPECT_LE(apic.timer_deadline(), clock.now + tsc_per_count);
    apic.acknowledge(0x30);
    apic.advance(clock.now);  // nothing more is due yet
    EXPECT_FALSE(apic.irr(0x30));
    // A period of 100 counts: the count runs down and reloads.
    wr(A::initial_count_reg, 100);
    const std::uint64_t start = clock.now;
    clock.now = start + 1000 * tsc_per_count + 30 * tsc_per_count;  // ten periods and 30 counts
    EXPECT_EQ(rd(A::current_count_reg), 70u);
    apic.advance(clock.now);
    EXPECT_TRUE(apic.irr(0x30));
    EXPECT_EQ(apic.timer_deadline(), start + 1100 * tsc_per_count);
    EXPECT_EQ(rd(A::current_count_reg), 70u);
}

TEST_F(LocalApicTimerTest, MaskedTimerCountsButRaisesNothing) {
    wr(A::lvt_timer_reg, periodic | A::lvt_masked | 0x30);
    wr(A::initial_count_reg, 100);
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
    clock.now += 250 * tsc_per_count;
    apic.advance(clock.now);
    EXPECT_FALSE(apic.irr(0x30));
    EXPECT_EQ(rd(A::current_count_reg), 50u);
    wr(A::lvt_timer_reg, periodic | 0x30);  // unmasked: the next period raises it
    EXPECT_EQ(apic.timer_deadline(), clock.now + 50 * tsc_per_count);
    EXPECT_FALSE(apic.irr(0x30));
}

TEST_F(LocalApicTimerTest, TscDeadlineMode) {
    EXPECT_EQ(apic.tsc_deadline(), 0u);
    apic.write_tsc_deadline(5000);  // not in TSC-deadline mode: ignored
    EXPECT_EQ(apic.tsc_deadline(), 0u);
    wr(A::lvt_timer_reg, tsc_deadline_mode | 0x30);
    apic.write_tsc_deadline(5000);
    EXPECT_EQ(apic.tsc_deadline(), 5000u);
    EXPECT_EQ(apic.timer_deadline(), 5000u);
    wr(A::initial_count_reg, 10);  // ignored in this mode
    EXPECT_EQ(rd(A::initial_count_reg), 0u);
    EXPECT_EQ(rd(A::current_count_reg), 0u);
    apic.advance(4999);
    EXPECT_FALSE(apic.irr(0x30));
    apic.advance(5000);
    EXPECT_TRUE(apic.irr(0x30));
    EXPECT_EQ(apic.tsc_deadline(), 0u);
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
    apic.acknowledge(0x30);
    apic.write_tsc_deadline(clock.now - 1);  // already past: fires at once
    EXPECT_TRUE(apic.irr(0x30));
    apic.write_tsc_deadline(9000);
    wr(A::lvt_timer_reg, 0x30);  // leaving the mode disarms
    EXPECT_EQ(apic.tsc_deadline(), 0u);
    wr(A::lvt_timer_reg, tsc_deadline_mode | 0x30);
    EXPECT_EQ(apic.timer_deadline(), A::no_deadline);
}

TEST_F(LocalApicTest, ApicBaseTransitions) {
    EXPECT_EQ(apic.write_base(base_xapic | 0x1000), Status::invalid_argument);  // relocation
    EXPECT_EQ(apic.write_base(base_xapic | (1u << 9)), Status::invalid_argument);
    EXPECT_EQ(apic.write_base(base_xapic | (std::uint64_t{1} << 50)), Status::invalid_argument);
    EXPECT_EQ(apic.write_base(0xfee00000 | A::base_extd), Status::invalid_argument);  // EN=0, EXTD=1
    enable();
    wr(A::tpr_reg, 0x20);
    // Disabled: no MMIO, no interrupts, registers back to power-on.
    EXPECT_EQ(apic.write_base(0xfee00000), Status::ok);
    EXPECT_EQ(apic.base(), 0xfee00000u | A::base_bsp);  // the BSP flag is the platform's
    EXPECT_EQ(apic.read(A::version_reg, 4), 0xffffffffu);
    apic.deliver({0x40, DeliveryMode::fixed, false, false, 0});
    EXPECT_EQ(apic.next_interrupt(), -1);
    EXPECT_EQ(apic.write_base(0xfee00000 | A::base_enable | A::base_extd), Status::invalid_argument);
    EXPECT_EQ(apic.write_base(0xfee00000 | A::base_enable), Status::ok);
    EXPECT_EQ(rd(A::tpr_reg), 0u);
    EXPECT_EQ(rd(A::svr_reg), 0xffu);
    // xAPIC to x2APIC and not back, but to disabled.
    EXPECT_EQ(apic.write_base(base_xapic | A::base_extd), Status::ok);
    EXPECT_TRUE(apic.x2apic_mode());
    EXPECT_EQ(apic.read(A::version_reg, 4), 0xffffffffu);  // no MMIO in x2APIC mode
    EXPECT_EQ(apic.write_base(base_xapic), Status::invalid_argument);
    EXPECT_EQ(apic.write_base(base_xapic | A::base_extd), Status::ok);
    EXPECT_EQ(apic.write_base(0xfee00000), Status::ok);
    EXPECT_FALSE(apic.x2apic_mode());
    // Without x2APIC in CPUID, EXTD is reserved.
    const CpuidPolicy no_x2apic{host, CpuidOptions{5'000'000, true, false}};
    ApicPage other;
    LocalApic xapic_only{clock, no_x2apic, other};
    EXPECT_EQ(xapic_only.write_base(base_xapic | A::base_extd), Status::invalid_argument);
}

TEST_F(LocalApicTest, X2apicMsrs) {
    EXPECT_EQ(apic.read_x2apic(x2(A::version_reg)).status(), Status::invalid_argument);  // xAPIC mode
    ASSERT_EQ(apic.write_base(base_xapic | A::base_extd), Status::ok);
    EXPECT_EQ(apic.read_x2apic(0x802).value(), 0u);
    EXPECT_EQ(apic.read_x2apic(0x803).value(), 0x01060014u);
    EXPECT_EQ(apic.read_x2apic(0x80d).value(), 1u);  // LDR from ID 0: cluster 0, bit 0
    for (std::uint32_t gp : {0x800u, 0x801u, 0x809u, 0x80cu, 0x80eu, 0x831u, 0x83fu, 0x80bu, 0x840u, 0x8ffu}) {
        EXPECT_EQ(apic.read_x2apic(gp).status(), Status::invalid_argument) << std::hex << gp;
    }
    for (std::uint32_t ro : {0x802u, 0x803u, 0x80au, 0x80du, 0x810u, 0x820u, 0x839u, 0x80eu}) {
        EXPECT_EQ(apic.write_x2apic(ro, 0), Status::invalid_argument) << std::hex << ro;
    }
    EXPECT_EQ(apic.write_x2apic(0x80f, 0x1ff), Status::ok);
    EXPECT_EQ(apic.write_x2apic(0x808, std::uint64_t{1} << 32), Status::invalid_argument);
    EXPECT_EQ(apic.write_x2apic(0x808, 0x20), Status::ok);
    EXPECT_EQ(apic.read_x2apic(0x80a).value(), 0x20u);
    EXPECT_EQ(apic.write_x2apic(0x80b, 1), Status::invalid_argument);
    EXPECT_EQ(apic.write_x2apic(0x828, 1), Status::invalid_argument);
    // ICR: one 64-bit register, the destination in 63:32.
    EXPECT_EQ(apic.write_x2apic(0x830, std::uint64_t{1} << 32 | 0x41), Status::ok);
    EXPECT_FALSE(apic.irr(0x41));
    EXPECT_EQ(apic.write_x2apic(0x830, 0x41), Status::ok);
    EXPECT_TRUE(apic.irr(0x41));
    EXPECT_EQ(apic.read_x2apic(0x830).value(), 0x41u);
    EXPECT_EQ(apic.write_x2apic(0x830, 0xffffffff00000042), Status::ok);  // broadcast
    EXPECT_TRUE(apic.irr(0x42));
    EXPECT_EQ(apic.write_x2apic(0x83f, 0x43), Status::ok);
    EXPECT_TRUE(apic.irr(0x43));
    EXPECT_EQ(apic.write_x2apic(0x83f, 0x143), Status::invalid_argument);
    apic.acknowledge(0x43);
    EXPECT_EQ(apic.write_x2apic(0x80b, 0), Status::ok);
    EXPECT_FALSE(apic.isr(0x43));
    EXPECT_EQ(apic.write_x2apic(0x838, 100), Status::ok);
    EXPECT_EQ(apic.read_x2apic(0x838).value(), 100u);
}

// The guest's side: MSRs, CR8, interrupt delivery and reset through Guest.
class GuestApicTest : public VmmTest {
protected:
    GuestApicTest() { guest.apic = &apic; }
    Outcome run(abi::VmxExit reason, std::uint64_t qualification = 0) {
        set_exit(static_cast<std::uint32_t>(reason), qualification, 3);
        return handle_exit(guest, vcpu, memory);
    }
    Result<std::uint64_t> rdmsr(std::uint32_t index) { return read_msr(guest.msr_context(), vcpu, index); }
    Status wrmsr(std::uint32_t index, std::uint64_t value) {
        return write_msr(guest.msr_context(), vcpu, index, value);
    }

    CpuidPolicy apic_cpuid{host_cpuid, apic_options};
    ApicPage apic_page;
    LocalApic apic{clock, apic_cpuid, apic_page};
};

TEST_F(GuestApicTest, MsrsReachTheApic) {
    EXPECT_EQ(rdmsr(0x1b).value(), base_xapic);
    EXPECT_EQ(rdmsr(0x803).status(), Status::invalid_argument);
    EXPECT_EQ(wrmsr(0x1b, base_xapic | A::base_extd), Status::ok);
    EXPECT_EQ(rdmsr(0x803).value(), 0x01060014u);
    EXPECT_EQ(wrmsr(0x80f, 0x1ff), Status::ok);
    EXPECT_EQ(wrmsr(0x832, tsc_deadline_mode | 0x30), Status::ok);
    EXPECT_EQ(wrmsr(0x6e0, clock.now + 10), Status::ok);
    EXPECT_EQ(rdmsr(0x6e0).value(), clock.now + 10);
    EXPECT_EQ(apic.timer_deadline(), clock.now + 10);
    EXPECT_EQ(wrmsr(0x1b, base_xapic), Status::invalid_argument);
}

TEST_F(GuestApicTest, InterruptsCr8AndReset) {
    (void)apic.write(A::svr_reg, 4, 0x1ff);
    guest.raise_interrupt(0x20);
    guest.raise_interrupt(0x10);  // an exception vector: dropped as without an APIC
    EXPECT_TRUE(apic.irr(0x20));
    EXPECT_FALSE(apic.irr(0x10));
    page.state.r9 = 0x2;
    EXPECT_EQ(run(abi::VmxExit::cr_access, 8 | (9u << 8)), Outcome::resume());  // MOV CR8, R9
    EXPECT_EQ(apic.reg(A::tpr_reg), 0x20u);
    EXPECT_EQ(guest.tpr, 0u);  // the stand-in is not used
    EXPECT_FALSE(guest.interrupt_pending());
    (void)apic.write(A::tpr_reg, 4, 0x1f);
    EXPECT_EQ(run(abi::VmxExit::cr_access, 8 | (1u << 4) | (10u << 8)), Outcome::resume());  // MOV R10, CR8
    EXPECT_EQ(page.state.r10, 1u);
    EXPECT_TRUE(guest.interrupt_pending());
    // The timer is brought up to date before each delivery.
    (void)apic.write(A::lvt_timer_reg, 4, 0x50);
    (void)apic.write(A::initial_count_reg, 4, 1);
    clock.now += 1000;
    page.state.rflags |= x86::rflags::if_;
    EXPECT_EQ(run(abi::VmxExit::interrupt_window), Outcome::resume());
    EXPECT_EQ(injected_vector(), 0x50u);
    EXPECT_TRUE(apic.isr(0x50));
    guest.reset();
    EXPECT_EQ(apic.reg(A::svr_reg), 0xffu);
    EXPECT_FALSE(apic.isr(0x50) || apic.irr(0x20));
}

}  // namespace
}  // namespace septum::vmm::testing
