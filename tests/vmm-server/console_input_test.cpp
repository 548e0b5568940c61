// Console input on the VMM's side (vmm/console_input.hpp): bytes go from
// the cell's input ring to the UART's receiver as far as it has room, in
// order, across the ring's end; the ring's `read` count follows; a count
// the root task would never write is taken as nothing to read.
#include <septum/vmm/console_input.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

constexpr std::uint64_t rbr = 0, fcr = 2, lsr = 5;
constexpr std::uint8_t fifo_on = 0x01, data_ready = 0x01;

class ConsoleInputTest : public ::testing::Test {
protected:
    // What the root task does: a byte, then the count.
    void put(const std::string& s) {
        for (const char c : s) {
            ring->bytes[ring->written % abi::InputRing::size] = c;
            ++ring->written;
        }
    }
    // What the guest does: reads its receiver until it is empty.
    std::string drain_uart() {
        std::string got;
        while ((uart.read(lsr, 1) & data_ready) != 0) {
            got += static_cast<char>(uart.read(rbr, 1));
        }
        return got;
    }

    std::unique_ptr<abi::InputRing> ring = std::make_unique<abi::InputRing>();
    StringConsole console;
    Uart16550 uart{console};
};

TEST_F(ConsoleInputTest, WithoutAFifoOneByteAtATime) {
    ConsoleInput input(*ring);
    put("ab");
    EXPECT_EQ(input.feed(uart), 1u);
    EXPECT_EQ(input.feed(uart), 0u);  // the holding register is full
    EXPECT_EQ(ring->read, 1u);
    EXPECT_EQ(drain_uart(), "a");
    EXPECT_EQ(input.feed(uart), 1u);
    EXPECT_EQ(drain_uart(), "b");
    EXPECT_EQ(input.waiting(), 0u);
    EXPECT_EQ(ring->read, 2u);
}

TEST_F(ConsoleInputTest, WithTheFifoSixteenAtATime) {
    ASSERT_EQ(uart.write(fcr, 1, fifo_on), Outcome::resume());
    ConsoleInput input(*ring);
    put(std::string(40, 'x'));
    EXPECT_EQ(input.feed(uart), Uart16550::fifo_size);
    EXPECT_EQ(input.waiting(), 40u - Uart16550::fifo_size);
    EXPECT_EQ(drain_uart(), std::string(Uart16550::fifo_size, 'x'));
}

TEST_F(ConsoleInputTest, ACountTheRootTaskNeverWritesIsNothingToRead) {
    ConsoleInput input(*ring);
    ring->written = abi::InputRing::size + 1;  // more than a ring ahead
    EXPECT_EQ(input.waiting(), 0u);
    EXPECT_EQ(input.feed(uart), 0u);
    EXPECT_EQ(ring->read, 0u);
}

TEST_F(ConsoleInputTest, StartsFromTheRingsReadCount) {
    ring->written = ring->read = 100;
    ConsoleInput input(*ring);
    EXPECT_EQ(input.waiting(), 0u);
    put("z");
    EXPECT_EQ(input.feed(uart), 1u);
    EXPECT_EQ(drain_uart(), "z");
}

// Whatever the sizes of the root task's writes and the guest's reads,
// across the ring's end many times, the guest reads exactly what was put
// in, in order, and never more than a ring is outstanding.
RC_GTEST_PROP(ConsoleInputProperty, EveryByteArrivesInOrder, ()) {
    auto ring = std::make_unique<abi::InputRing>();
    const std::uint64_t start = *rc::gen::inRange<std::uint64_t>(0, 3 * abi::InputRing::size);
    ring->written = ring->read = start;
    StringConsole console;
    Uart16550 uart{console};
    if (*rc::gen::arbitrary<bool>()) {
        RC_ASSERT(uart.write(fcr, 1, fifo_on) == Outcome::resume());
    }
    ConsoleInput input(*ring);
    std::vector<char> sent, got;
    const auto rounds = *rc::gen::inRange(1, 60);
    for (int r = 0; r < rounds; ++r) {
        const std::uint64_t room = abi::InputRing::size - (ring->written - ring->read);
        const auto n = std::min<std::uint64_t>(room, *rc::gen::inRange<std::uint64_t>(0, 300));
        for (std::uint64_t i = 0; i < n; ++i) {
            const char c = static_cast<char>(sent.size() * 7 + 3);
            ring->bytes[ring->written % abi::InputRing::size] = c;
            ++ring->written;
            sent.push_back(c);
        }
        const auto feeds = *rc::gen::inRange(0, 40);
        for (int f = 0; f < feeds; ++f) {
            (void)input.feed(uart);
            while ((uart.read(lsr, 1) & data_ready) != 0) {
                got.push_back(static_cast<char>(uart.read(rbr, 1)));
            }
        }
        RC_ASSERT(ring->read <= ring->written);
        RC_ASSERT(ring->written - ring->read <= abi::InputRing::size);
    }
    while (input.feed(uart) != 0) {
        while ((uart.read(lsr, 1) & data_ready) != 0) {
            got.push_back(static_cast<char>(uart.read(rbr, 1)));
        }
    }
    RC_ASSERT(got == sent);
}

}  // namespace
}  // namespace septum::vmm::testing
