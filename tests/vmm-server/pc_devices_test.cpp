// The platform devices together: a byte of console input and an RTC
// update each reach the local APIC as the vector the guest routed them
// to; a guest reset puts the whole platform back.
#include <septum/vmm/pc_devices.hpp>

#include <gtest/gtest.h>

#include "fixture.hpp"
#include "interrupt_fakes.hpp"

namespace septum::vmm::testing {
namespace {

class PcDevicesTest : public ::testing::Test {
protected:
    PcDevicesTest() {
        clock.now = 1'000'000;
        EXPECT_EQ(devices.attach(ports, mmio), Status::ok);
    }
    // Programs I/O APIC pin `pin` for `vector`, edge-triggered, to APIC 0.
    void route(unsigned pin, std::uint8_t vector) {
        const std::uint64_t base = pc::ioapic_base;
        EXPECT_EQ(mmio.write(base, 4, 0x11 + 2 * pin), Outcome::resume());
        EXPECT_EQ(mmio.write(base + 0x10, 4, 0), Outcome::resume());
        EXPECT_EQ(mmio.write(base, 4, 0x10 + 2 * pin), Outcome::resume());
        EXPECT_EQ(mmio.write(base + 0x10, 4, vector), Outcome::resume());
    }

    StringConsole console;
    FakeClock clock;
    RecordingApic lapic;
    Bus ports, mmio;
    PcDevices devices{console, clock, lapic, WallClock{1000, 1700000000}};  // a 1 MHz TSC
};

TEST_F(PcDevicesTest, ConsoleInputInterruptsThroughTheIoApic) {
    route(pc::com1_irq, 0x24);
    ASSERT_EQ(ports.write(0x3fc, 1, 0x08), Outcome::resume());  // OUT2
    ASSERT_EQ(ports.write(0x3f9, 1, 0x01), Outcome::resume());  // received-data interrupt
    const std::uint8_t key = 'k';
    EXPECT_EQ(devices.com1.receive(&key, 1), 1u);
    ASSERT_EQ(lapic.messages.size(), 1u);
    EXPECT_EQ(lapic.messages[0], (InterruptMessage{0x24, DeliveryMode::fixed, false, false, 0}));
    EXPECT_EQ(ports.read(0x3fa, 1), 0x04u);
    EXPECT_EQ(ports.read(0x3f8, 1), 'k');
}

TEST_F(PcDevicesTest, RtcUpdatesInterruptThroughTheIoApic) {
    route(pc::rtc_irq, 0x28);
    ASSERT_EQ(ports.write(0x70, 1, 0x0b), Outcome::resume());
    ASSERT_EQ(ports.write(0x71, 1, 0x12), Outcome::resume());  // UIE, 24-hour, BCD
    const std::uint64_t due = devices.rtc.next_event();
    ASSERT_NE(due, Rtc::no_event);
    clock.now = due;
    devices.rtc.update();
    ASSERT_EQ(lapic.messages.size(), 1u);
    EXPECT_EQ(lapic.messages[0].vector, 0x28);
}

TEST_F(PcDevicesTest, TheResetPortsAskForAReset) {
    EXPECT_EQ(ports.write(0x64, 1, 0xfe), Outcome::reset());
    EXPECT_EQ(ports.write(0xcf9, 1, 0x06), Outcome::reset());
}

TEST_F(PcDevicesTest, AGuestResetResetsThePlatform) {
    FakeHostCpuid host;
    const CpuidPolicy cpuid{host};
    Guest guest{cpuid, ports, mmio, console, clock, abi::VcpuState{}};
    route(pc::com1_irq, 0x24);
    ASSERT_EQ(ports.write(0x3f9, 1, 0x0f), Outcome::resume());
    guest.reset();
    EXPECT_EQ(devices.ioapic.entry(pc::com1_irq), std::uint64_t{1} << 16);  // masked
    EXPECT_EQ(ports.read(0x3f9, 1), 0u);
    ASSERT_EQ(ports.write(0x70, 1, 0x09), Outcome::resume());
    EXPECT_EQ(ports.read(0x71, 1), 0x23u);  // the RTC kept its time
}

TEST_F(PcDevicesTest, AttachRefusesATakenPlace) {
    Bus other_ports, other_mmio;
    DebugExit in_the_way;
    ASSERT_EQ(other_ports.claim(0x70, 1, in_the_way), Status::ok);
    EXPECT_EQ(devices.attach(other_ports, other_mmio), Status::slot_occupied);
}

}  // namespace
}  // namespace septum::vmm::testing
