#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

struct Recorder final : Device {
    std::uint64_t last_offset = 0, last_value = 0;
    unsigned last_size = 0;
    std::uint64_t read(std::uint64_t offset, unsigned size) override {
        last_offset = offset;
        last_size = size;
        return 0x1122334455667788;
    }
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override {
        last_offset = offset;
        last_size = size;
        last_value = value;
        return Outcome::resume();
    }
};

TEST(Bus, ClaimRefusesOverlapEmptyWrapAndFull) {
    Bus bus;
    Recorder d;
    EXPECT_EQ(bus.claim(0x100, 0x10, d), Status::ok);
    EXPECT_EQ(bus.claim(0x10f, 1, d), Status::slot_occupied);
    EXPECT_EQ(bus.claim(0xf8, 9, d), Status::slot_occupied);
    EXPECT_EQ(bus.claim(0x200, 0, d), Status::invalid_argument);
    EXPECT_EQ(bus.claim(~std::uint64_t{0}, 2, d), Status::invalid_argument);
    EXPECT_EQ(bus.claim(0x110, 1, d), Status::ok);  // adjacent is fine
    for (std::uint64_t i = 2; i < Bus::capacity; ++i) {
        EXPECT_EQ(bus.claim(0x1000 * i, 1, d), Status::ok);
    }
    EXPECT_EQ(bus.claim(0x100000, 1, d), Status::out_of_range);
}

TEST(Bus, AccessesMustLieInsideOneDevice) {
    Bus bus;
    Recorder d;
    ASSERT_EQ(bus.claim(0x100, 4, d), Status::ok);
    EXPECT_EQ(bus.read(0x102, 2), 0x7788u);  // masked to the access size
    EXPECT_EQ(d.last_offset, 2u);
    EXPECT_EQ(bus.read(0x103, 2), 0xffffu);  // straddles the end: unclaimed
    EXPECT_EQ(bus.read(0x0ff, 4), 0xffffffffu);
    EXPECT_EQ(bus.read(0x5000, 8), ~std::uint64_t{0});
    EXPECT_EQ(bus.write(0x5000, 4, 1), Outcome::resume());
    EXPECT_EQ(bus.write(0x101, 1, 0x1234), Outcome::resume());
    EXPECT_EQ(d.last_value, 0x34u);  // the bus masks what a device sees
}

TEST_F(VmmTest, UartTransmitsToTheConsole) {
    for (char c : std::string("hi\n")) {
        EXPECT_EQ(ports.write(0x3f8, 1, static_cast<std::uint8_t>(c)), Outcome::resume());
    }
    EXPECT_EQ(console.out, "hi\n");
    EXPECT_EQ(ports.read(0x3fd, 1) & 0x60, 0x60u);  // transmitter always empty
}

TEST_F(VmmTest, UartDivisorLatchDoesNotTransmit) {
    ASSERT_EQ(ports.write(0x3fb, 1, 0x80), Outcome::resume());  // DLAB
    ASSERT_EQ(ports.write(0x3f8, 1, 0x01), Outcome::resume());
    ASSERT_EQ(ports.write(0x3f9, 1, 0x00), Outcome::resume());
    EXPECT_EQ(ports.read(0x3f8, 1), 0x01u);
    ASSERT_EQ(ports.write(0x3fb, 1, 0x03), Outcome::resume());  // 8N1
    EXPECT_EQ(console.out, "");
    EXPECT_EQ(ports.read(0x3fb, 1), 0x03u);
}

TEST_F(VmmTest, UartLoopbackEchoesAndScratchHolds) {
    ASSERT_EQ(ports.write(0x3fc, 1, 0x1f), Outcome::resume());  // loopback, all outputs on
    ASSERT_EQ(ports.write(0x3f8, 1, 0x5a), Outcome::resume());
    EXPECT_EQ(ports.read(0x3fd, 1) & 1u, 1u);
    EXPECT_EQ(ports.read(0x3f8, 1), 0x5au);
    EXPECT_EQ(ports.read(0x3fd, 1) & 1u, 0u);
    EXPECT_EQ(ports.read(0x3fe, 1), 0xf0u);
    EXPECT_EQ(console.out, "");
    ASSERT_EQ(ports.write(0x3ff, 1, 0xa5), Outcome::resume());
    EXPECT_EQ(ports.read(0x3ff, 1), 0xa5u);
    EXPECT_EQ(ports.read(0x3fa, 1), 0x01u);  // no interrupt pending
    uart.reset();
    EXPECT_EQ(ports.read(0x3ff, 1), 0u);
}

TEST_F(VmmTest, DebugExitStopsWithTheWrittenCode) {
    EXPECT_EQ(ports.write(0xf4, 4, 0x31), Outcome::stop(StopReason::guest_request, 0x31));
    EXPECT_EQ(ports.read(0xf4, 1), 0u);
}

TEST_F(VmmTest, UnclaimedPortsReadAllOnes) {
    EXPECT_EQ(ports.read(0x80, 1), 0xffu);
    EXPECT_EQ(ports.read(0x60, 2), 0xffffu);
    EXPECT_EQ(ports.read(0xcf8, 4), 0xffffffffu);
    EXPECT_EQ(ports.write(0x80, 1, 0), Outcome::resume());
}

}  // namespace
}  // namespace septum::vmm::testing
