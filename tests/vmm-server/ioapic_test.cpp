// The I/O APIC through its MMIO registers, as Linux's io_apic.c programs
// it, and the pins as devices drive them.
#include <septum/vmm/ioapic.hpp>

#include <gtest/gtest.h>

#include "interrupt_fakes.hpp"

namespace septum::vmm::testing {
namespace {

constexpr std::uint64_t masked = 1u << 16, level = 1u << 15, remote_irr = 1u << 14, logical = 1u << 11;
constexpr std::uint64_t nmi_mode = 4u << 8, lowest = 1u << 8;

class IoApicTest : public ::testing::Test {
protected:
    std::uint32_t reg(std::uint8_t index) {
        EXPECT_EQ(apic.write(0x00, 4, index), Outcome::resume());
        return static_cast<std::uint32_t>(apic.read(0x10, 4));
    }
    void set_reg(std::uint8_t index, std::uint32_t value) {
        EXPECT_EQ(apic.write(0x00, 4, index), Outcome::resume());
        EXPECT_EQ(apic.write(0x10, 4, value), Outcome::resume());
    }
    // Linux writes the high half first, then the low (ioapic_write_entry).
    void route(unsigned pin, std::uint64_t entry) {
        set_reg(static_cast<std::uint8_t>(0x11 + 2 * pin), static_cast<std::uint32_t>(entry >> 32));
        set_reg(static_cast<std::uint8_t>(0x10 + 2 * pin), static_cast<std::uint32_t>(entry));
    }
    [[nodiscard]] std::size_t sent() const { return lapic.messages.size(); }

    RecordingApic lapic;
    IoApic apic{lapic, 1};
};

TEST_F(IoApicTest, IdentityAndPowerOn) {
    EXPECT_EQ(reg(0x00), 1u << 24);
    EXPECT_EQ(reg(0x01), 0x00170020u);  // 24 entries, version 0x20
    EXPECT_EQ(reg(0x02), 1u << 24);
    for (unsigned pin = 0; pin < IoApic::pins; ++pin) {
        EXPECT_EQ(apic.entry(pin), masked) << pin;
    }
    set_reg(0x00, 0xff000000);  // four ID bits
    EXPECT_EQ(reg(0x00), 0x0f000000u);
    set_reg(0x01, 0);  // read-only
    EXPECT_EQ(reg(0x01), 0x00170020u);
    EXPECT_EQ(reg(0x40), 0u);              // no such register
    EXPECT_EQ(apic.read(0x00, 4), 0x40u);  // IOREGSEL reads back
}

TEST_F(IoApicTest, EdgeTriggeredPinsSendOnTheRisingEdge) {
    route(4, 0x31 | std::uint64_t{0x00} << 56);
    apic.set_line(4, true);
    ASSERT_EQ(sent(), 1u);
    EXPECT_EQ(lapic.messages[0], (InterruptMessage{0x31, DeliveryMode::fixed, false, false, 0}));
    apic.set_line(4, true);  // still high: no edge
    EXPECT_EQ(sent(), 1u);
    apic.set_line(4, false);
    apic.set_line(4, true);
    EXPECT_EQ(sent(), 2u);
    EXPECT_EQ(apic.entry(4) & remote_irr, 0u);  // never for edge
}

TEST_F(IoApicTest, AnEdgeOnAMaskedPinIsLost) {
    route(3, masked | 0x33);
    apic.set_line(3, true);
    route(3, 0x33);
    EXPECT_EQ(sent(), 0u);
    apic.set_line(3, false);
    apic.set_line(3, true);
    EXPECT_EQ(sent(), 1u);
}

TEST_F(IoApicTest, LevelTriggeredPinsWaitForTheEoi) {
    route(9, level | 0x39);
    apic.set_line(9, true);
    ASSERT_EQ(sent(), 1u);
    EXPECT_TRUE(lapic.messages[0].level);
    EXPECT_NE(reg(0x10 + 2 * 9) & remote_irr, 0u);
    apic.set_line(9, true);  // sampled again, but one is outstanding
    EXPECT_EQ(sent(), 1u);
    apic.end_of_interrupt(0x38);  // another vector: nothing
    EXPECT_EQ(sent(), 1u);
    apic.end_of_interrupt(0x39);  // still asserted: the next goes out
    EXPECT_EQ(sent(), 2u);
    apic.set_line(9, false);
    apic.end_of_interrupt(0x39);
    EXPECT_EQ(sent(), 2u);
    EXPECT_EQ(apic.entry(9) & remote_irr, 0u);
}

TEST_F(IoApicTest, TheEoiRegisterEndsALevelInterruptToo) {
    route(10, level | 0x3a);
    apic.set_line(10, true);
    apic.set_line(10, false);
    ASSERT_NE(apic.entry(10) & remote_irr, 0u);
    EXPECT_EQ(apic.write(0x40, 4, 0x3a), Outcome::resume());
    EXPECT_EQ(apic.entry(10) & remote_irr, 0u);
    EXPECT_EQ(sent(), 1u);
}

TEST_F(IoApicTest, UnmaskingAnAssertedLevelPinSends) {
    route(11, masked | level | 0x3b);
    apic.set_line(11, true);
    EXPECT_EQ(sent(), 0u);
    route(11, level | 0x3b);
    EXPECT_EQ(sent(), 1u);
}

TEST_F(IoApicTest, MakingAPinEdgeTriggeredClearsRemoteIrr) {
    // Linux's __eoi_ioapic_pin on version 0x11 parts relies on this.
    route(12, level | 0x3c);
    apic.set_line(12, true);
    ASSERT_NE(apic.entry(12) & remote_irr, 0u);
    route(12, masked | 0x3c);
    EXPECT_EQ(apic.entry(12) & remote_irr, 0u);
}

TEST_F(IoApicTest, OnlyWritableBitsChange) {
    route(5, ~std::uint64_t{0});
    // Delivery status, remote IRR, reserved low bits and the high half's
    // bits below the destination stay 0; the pin stays masked.
    EXPECT_EQ(apic.entry(5), 0xff00000000000000u | 0x1afffu);
    EXPECT_EQ(reg(0x11 + 2 * 5), 0xff000000u);
    EXPECT_EQ(sent(), 0u);
}

TEST_F(IoApicTest, MessagesCarryModeAndDestination) {
    route(6, std::uint64_t{0x03} << 56 | logical | lowest | 0x46);
    apic.set_line(6, true);
    ASSERT_EQ(sent(), 1u);
    EXPECT_EQ(lapic.messages[0], (InterruptMessage{0x46, DeliveryMode::lowest_priority, true, false, 0x03}));
}

TEST_F(IoApicTest, NmiIsEdgeTriggeredWhateverTheTriggerBit) {
    route(7, level | nmi_mode);
    apic.set_line(7, true);
    ASSERT_EQ(sent(), 1u);
    EXPECT_EQ(lapic.messages[0].mode, DeliveryMode::nmi);
    EXPECT_FALSE(lapic.messages[0].level);
    EXPECT_EQ(apic.entry(7) & remote_irr, 0u);
    apic.set_line(7, true);  // no new edge
    EXPECT_EQ(sent(), 1u);
}

TEST_F(IoApicTest, ReservedDeliveryModesSendNothing) {
    for (std::uint64_t mode : {3u, 6u}) {
        route(8, mode << 8 | 0x48);
        apic.set_line(8, true);
        apic.set_line(8, false);
    }
    EXPECT_EQ(sent(), 0u);
}

TEST_F(IoApicTest, OutOfRangeAndOddAccessesAreHarmless) {
    apic.set_line(24, true);
    apic.set_line(1000, true);
    EXPECT_EQ(sent(), 0u);
    EXPECT_EQ(reg(0x10 + 2 * 24), 0u);  // past the table
    EXPECT_EQ(reg(0xff), 0u);
    set_reg(0x3f + 1, 0x12345678);
    EXPECT_EQ(apic.read(0x20, 4), 0u);
    EXPECT_EQ(apic.write(0x800, 4, 1), Outcome::resume());
    // A byte write to IOWIN is dropped; a byte write to IOREGSEL is taken.
    EXPECT_EQ(apic.write(0x00, 1, 0x10), Outcome::resume());
    EXPECT_EQ(apic.write(0x10, 1, 0x00), Outcome::resume());
    EXPECT_EQ(apic.entry(0), masked);
}

TEST_F(IoApicTest, ResetMasksEverythingButKeepsTheWires) {
    route(4, level | 0x34);
    apic.set_line(4, true);
    set_reg(0x00, 0x05000000);
    apic.reset();
    EXPECT_EQ(apic.entry(4), masked);
    EXPECT_EQ(reg(0x00), 1u << 24);
    EXPECT_TRUE(apic.line(4));
    route(4, level | 0x34);  // the device still asserts it
    EXPECT_EQ(sent(), 2u);
}

}  // namespace
}  // namespace septum::vmm::testing
