// The MP table, read back as an OS reads it.
#include <septum/vmm/mp_table.hpp>
#include <septum/vmm/pc_devices.hpp>

#include <gtest/gtest.h>

#include <vector>

#include "fixture.hpp"
#include "interrupt_fakes.hpp"
#include "mp_table_reader.hpp"

namespace septum::vmm::testing {
namespace {

class MpTableTest : public ::testing::Test {
protected:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(1 << 20);
    RamGuestMemory memory{ram.data(), ram.size()};
};

TEST_F(MpTableTest, LinuxFindsItInTheLastKibOfBaseMemory) {
    MpTableConfig config;
    config.cpu_signature = 0x50654;
    config.cpu_features = 0x178bfbff;
    ASSERT_EQ(write_mp_table(memory, config), Status::ok);

    std::uint64_t found = 0;
    ASSERT_TRUE(find_mp_floating_pointer(memory, 639 * 1024, 1024, found));  // smp_scan_config's second range
    EXPECT_EQ(found, pc::mp_table_address);
    MpTable t;
    ASSERT_EQ(read_mp_table(memory, found, t), "");
    EXPECT_EQ(t.table_address, pc::mp_table_address + 16);
    EXPECT_EQ(t.local_apic_address, 0xfee00000u);
    EXPECT_EQ(t.oem, "SEPTUM  ");

    ASSERT_EQ(t.processors.size(), 1u);
    EXPECT_EQ(t.processors[0].apic_id, 0);
    EXPECT_EQ(t.processors[0].apic_version, 0x14);
    EXPECT_EQ(t.processors[0].flags, 0x03);  // enabled, bootstrap processor
    EXPECT_EQ(t.processors[0].signature, 0x50654u);
    EXPECT_EQ(t.processors[0].features, 0x178bfbffu);

    ASSERT_EQ(t.buses.size(), 1u);
    EXPECT_EQ(t.buses[0].type, "ISA   ");

    ASSERT_EQ(t.ioapics.size(), 1u);
    EXPECT_EQ(t.ioapics[0].id, 1);
    EXPECT_EQ(t.ioapics[0].version, 0x20);
    EXPECT_EQ(t.ioapics[0].flags, 1);
    EXPECT_EQ(t.ioapics[0].address, 0xfec00000u);

    // Every ISA IRQ a device can raise reaches the I/O APIC: COM1 (4) and
    // the RTC (8) on their own pins; no PIT (0) and no cascade (2).
    std::vector<int> pin_of(16, -1);
    for (const auto& i : t.io_interrupts) {
        EXPECT_EQ(i.kind, 0);                   // vectored
        EXPECT_EQ(i.flags_lo | i.flags_hi, 0);  // as the ISA bus defines: active high, edge
        EXPECT_EQ(i.source_bus, 0);
        EXPECT_EQ(i.destination, 1);
        ASSERT_LT(i.source_irq, 16);
        EXPECT_EQ(pin_of[i.source_irq], -1) << "IRQ listed twice";
        pin_of[i.source_irq] = i.pin;
    }
    EXPECT_EQ(pin_of[pc::com1_irq], 4);
    EXPECT_EQ(pin_of[pc::rtc_irq], 8);
    EXPECT_EQ(pin_of[0], -1);
    EXPECT_EQ(pin_of[2], -1);
    EXPECT_EQ(t.io_interrupts.size(), 14u);

    ASSERT_EQ(t.local_interrupts.size(), 2u);
    EXPECT_EQ(t.local_interrupts[0].kind, 3);  // ExtINT on LINT0
    EXPECT_EQ(t.local_interrupts[0].pin, 0);
    EXPECT_EQ(t.local_interrupts[1].kind, 1);  // NMI on LINT1
    EXPECT_EQ(t.local_interrupts[1].pin, 1);
    EXPECT_EQ(t.local_interrupts[1].destination, 0xff);
}

TEST_F(MpTableTest, EveryByteIsCoveredByAChecksum) {
    ASSERT_EQ(write_mp_table(memory, MpTableConfig{}), Status::ok);
    for (std::uint64_t i = 0; i < mp_table_size; ++i) {
        const std::uint64_t a = pc::mp_table_address + i;
        ram[a] ^= 0x01;
        MpTable t;
        EXPECT_NE(read_mp_table(memory, pc::mp_table_address, t), "") << "byte " << i;
        ram[a] ^= 0x01;
    }
}

TEST_F(MpTableTest, RefusesBadPlacesAndWritesNothing) {
    MpTableConfig c;
    c.address = 0x9fc08;
    EXPECT_EQ(write_mp_table(memory, c), Status::invalid_argument);
    c.address = (std::uint64_t{1} << 32) - 16;
    EXPECT_EQ(write_mp_table(memory, c), Status::invalid_argument);
    c.address = ~std::uint64_t{0} - 15;
    EXPECT_EQ(write_mp_table(memory, c), Status::invalid_argument);
    c.address = ram.size() - 64;
    EXPECT_EQ(write_mp_table(memory, c), Status::out_of_range);
    for (std::uint8_t b : ram) {
        ASSERT_EQ(b, 0);
    }
    c.address = ram.size() - mp_table_size - (ram.size() - mp_table_size) % 16;
    EXPECT_EQ(write_mp_table(memory, c), Status::ok);  // the last place that fits
}

TEST_F(MpTableTest, PcDevicesDescribeTheProcessorAsCpuidShowsIt) {
    FakeHostCpuid host;
    const CpuidPolicy cpuid{host, CpuidOptions{2'000'000, true, true}};
    StringConsole console;
    FakeClock clock;
    RecordingApic lapic;
    const PcDevices devices{console, clock, lapic, WallClock{2'000'000, 0}};
    ASSERT_EQ(devices.write_tables(memory, cpuid), Status::ok);
    MpTable t;
    ASSERT_EQ(read_mp_table(memory, pc::mp_table_address, t), "");
    ASSERT_EQ(t.processors.size(), 1u);
    EXPECT_EQ(t.processors[0].signature, cpuid.query(1, 0, 0).eax);
    EXPECT_EQ(t.processors[0].features, cpuid.query(1, 0, 0).edx);
    EXPECT_NE(t.processors[0].features & (1u << 9), 0u);  // the APIC CPUID shows
}

}  // namespace
}  // namespace septum::vmm::testing
