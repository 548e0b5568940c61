// The UART's receiver, interrupts and the sequences Linux's 8250 driver
// runs at probe and startup (drivers/tty/serial/8250/8250_port.c).
#include <septum/vmm/uart16550.hpp>

#include <gtest/gtest.h>

#include <string>

#include "fixture.hpp"
#include "interrupt_fakes.hpp"

namespace septum::vmm::testing {
namespace {

// Register offsets and bits the tests use (PC16550D Table II).
constexpr std::uint64_t rbr = 0, ier = 1, iir = 2, fcr = 2, lcr = 3, mcr = 4, lsr = 5, msr = 6;
constexpr std::uint8_t ier_rx = 0x01, ier_thri = 0x02, ier_rls = 0x04, ier_msi = 0x08;
constexpr std::uint8_t mcr_dtr = 0x01, mcr_rts = 0x02, mcr_out2 = 0x08, mcr_loop = 0x10;
constexpr std::uint8_t iir_no_int = 0x01;
constexpr unsigned irq = 4;

class UartTest : public ::testing::Test {
protected:
    std::uint8_t in(std::uint64_t reg) { return static_cast<std::uint8_t>(uart.read(reg, 1)); }
    void out(std::uint64_t reg, std::uint8_t value) { ASSERT_EQ(uart.write(reg, 1, value), Outcome::resume()); }
    std::size_t feed(const std::string& s) {
        return uart.receive(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    }

    StringConsole console;
    RecordingLines lines;
    Uart16550 uart{console, IrqLine{&lines, irq}};
};

TEST_F(UartTest, PowerOnRaisesNothing) {
    EXPECT_EQ(in(iir), iir_no_int);
    EXPECT_EQ(in(lsr), 0x60);  // THRE | TEMT
    EXPECT_TRUE(lines.changes.empty());
    EXPECT_EQ(uart.input_room(), 1u);  // no FIFO: the holding register
}

TEST_F(UartTest, EnablingThriRaisesTransmitterEmptyAndReadingIirClearsIt) {
    out(ier, ier_thri);
    EXPECT_EQ(in(iir), 0x02);
    EXPECT_EQ(in(iir), iir_no_int);  // read once as the source: gone
    out(ier, ier_thri);              // no change: nothing new
    EXPECT_EQ(in(iir), iir_no_int);
    out(ier, 0);
    out(ier, ier_thri);  // a new rising edge of THRI: raised again
    EXPECT_EQ(in(iir), 0x02);
}

TEST_F(UartTest, TheLineNeedsOut2AndIsQuietInLoopback) {
    out(ier, ier_thri);
    EXPECT_FALSE(uart.irq_asserted());  // OUT2 off: the PC's gate is closed
    out(mcr, mcr_out2);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_TRUE(lines.level(irq));
    out(mcr, mcr_out2 | mcr_loop);
    EXPECT_FALSE(lines.level(irq));
    out(mcr, mcr_out2);
    EXPECT_TRUE(lines.level(irq));
}

TEST_F(UartTest, EachTransmittedByteIsANewEdge) {
    out(mcr, mcr_out2);
    out(ier, ier_thri);
    ASSERT_EQ(lines.rising_edges(irq), 1u);
    out(rbr, 'a');
    out(rbr, 'b');
    EXPECT_EQ(console.out, "ab");
    EXPECT_EQ(lines.rising_edges(irq), 3u);  // an edge-triggered I/O APIC sees each
    EXPECT_TRUE(lines.level(irq));
    out(ier, 0);  // the driver stops transmitting
    EXPECT_FALSE(lines.level(irq));
}

TEST_F(UartTest, TheReceiverTakesWhatFitsAndKeepsOrder) {
    out(fcr, 0x01);  // FIFO on, trigger level 1
    EXPECT_EQ(uart.input_room(), Uart16550::fifo_size);
    EXPECT_EQ(feed("0123456789abcdefXYZ"), 16u);  // the rest stays with the VMM
    EXPECT_EQ(uart.input_room(), 0u);
    EXPECT_EQ(in(lsr)&0x01, 0x01);
    std::string got;
    while ((in(lsr)&0x01) != 0) {
        got += static_cast<char>(in(rbr));
    }
    EXPECT_EQ(got, "0123456789abcdef");
    EXPECT_EQ(uart.input_room(), 16u);
    EXPECT_EQ(in(rbr), 0u);  // empty: nothing more comes out
}

TEST_F(UartTest, ABurstLargerThanTheFifoArrivesWhole) {
    out(fcr, 0x81);  // FIFO on, trigger level 8
    const std::string message(1000, 'x');
    std::string pending = message + "end", got;
    while (!pending.empty() || (in(lsr)&0x01) != 0) {
        pending.erase(0, feed(pending));  // the VMM offers what it has after each guest read
        got += static_cast<char>(in(rbr));
    }
    EXPECT_EQ(got, message + "end");
}

TEST_F(UartTest, ReceivedDataInterruptsAtTheTriggerLevelOrAsATimeout) {
    out(mcr, mcr_out2);
    out(fcr, 0x81);  // trigger level 8
    out(ier, ier_rx | ier_thri);
    EXPECT_EQ(in(iir), 0xc2);  // only THRE so far; FIFOs shown on
    EXPECT_EQ(feed("abc"), 3u);
    EXPECT_EQ(in(iir), 0xcc);  // below the trigger level: character timeout
    EXPECT_EQ(feed("defgh"), 5u);
    EXPECT_EQ(in(iir), 0xc4);  // at it: received data available
    EXPECT_TRUE(lines.level(irq));
    for (int i = 0; i < 8; ++i) {
        (void)in(rbr);
    }
    EXPECT_EQ(in(iir), 0xc1);  // THRE was read as the source above
    EXPECT_FALSE(lines.level(irq));
}

TEST_F(UartTest, WithoutFifoOneByteAtATime) {
    out(ier, ier_rx);
    EXPECT_EQ(feed("ab"), 1u);
    EXPECT_EQ(in(iir), 0x04);
    EXPECT_EQ(uart.input_room(), 0u);
    EXPECT_EQ(in(rbr), 'a');
    EXPECT_EQ(in(iir), iir_no_int);
    EXPECT_EQ(feed("b"), 1u);
    EXPECT_EQ(in(rbr), 'b');
}

TEST_F(UartTest, FifoControlEmptiesTheReceiver) {
    out(fcr, 0x01);
    ASSERT_EQ(feed("abc"), 3u);
    out(fcr, 0x03);  // clear the receiver
    EXPECT_EQ(in(lsr)&0x01, 0);
    ASSERT_EQ(feed("abc"), 3u);
    out(fcr, 0x00);  // FIFOs off: emptied, and bits beyond FCR0 not programmed
    EXPECT_EQ(in(lsr)&0x01, 0);
    EXPECT_EQ(in(iir), iir_no_int);
    out(fcr, 0xc0);  // trigger bits without FCR0: ignored
    EXPECT_EQ(uart.input_room(), 1u);
}

TEST_F(UartTest, LoopbackOverrunIsALineStatusInterrupt) {
    out(fcr, 0x01);
    out(mcr, mcr_loop);
    out(ier, ier_rls);
    EXPECT_EQ(uart.input_room(), 0u);  // the outside line is disconnected in loopback
    EXPECT_EQ(feed("z"), 0u);
    for (int i = 0; i < 17; ++i) {
        out(rbr, static_cast<std::uint8_t>('a' + i));
    }
    EXPECT_EQ(console.out, "");
    EXPECT_EQ(in(iir), 0xc6);
    EXPECT_EQ(in(lsr)&0x03, 0x03);  // overrun and data ready
    EXPECT_EQ(in(lsr)&0x02, 0);     // reading LSR cleared the overrun
    EXPECT_EQ(in(iir)&0x0f, iir_no_int);
    EXPECT_EQ(in(rbr), 'a');  // the sixteen before the overrun are kept
}

TEST_F(UartTest, ModemStatusDeltasInLoopback) {
    out(mcr, mcr_loop);  // all outputs off: CTS, DSR and DCD fall
    out(ier, ier_msi);
    EXPECT_EQ(in(iir), 0x00);
    EXPECT_EQ(in(msr), 0x0b);  // DCTS, DDSR, DDCD; inputs all off
    EXPECT_EQ(in(iir), iir_no_int);
    out(mcr, mcr_loop | mcr_rts);  // RTS -> CTS
    EXPECT_EQ(in(msr), 0x11);
    out(mcr, mcr_loop | 0x04);  // OUT1 -> RI rises (no delta), CTS falls
    EXPECT_EQ(in(msr), 0x41);
    out(mcr, mcr_loop);  // RI falls: trailing edge
    EXPECT_EQ(in(msr), 0x04);
    out(mcr, 0);  // out of loopback: the line is ready again
    EXPECT_EQ(in(msr), 0xbb);
}

TEST_F(UartTest, HigherPrioritySourcesComeFirst) {
    out(ier, ier_rx | ier_thri | ier_rls | ier_msi);
    ASSERT_EQ(feed("a"), 1u);
    EXPECT_EQ(in(iir), 0x04);
    (void)in(rbr);
    EXPECT_EQ(in(iir), 0x02);
    EXPECT_EQ(in(iir), iir_no_int);
}

TEST_F(UartTest, ResetLowersTheLineAndEmptiesTheReceiver) {
    out(mcr, mcr_out2);
    out(ier, ier_thri);
    ASSERT_TRUE(lines.level(irq));
    out(fcr, 0x01);
    ASSERT_EQ(feed("abc"), 3u);
    uart.reset();
    EXPECT_FALSE(lines.level(irq));
    EXPECT_EQ(in(lsr), 0x60);
    EXPECT_EQ(in(ier), 0);
    EXPECT_EQ(in(mcr), 0);
    EXPECT_EQ(uart.input_room(), 1u);
}

// serial8250_do_startup and its two THRE checks: a UART that passes them
// gets no UART_BUG_TXEN and no UART_BUG_THRE workaround.
TEST_F(UartTest, LinuxStartupFindsAWorking16550A) {
    out(fcr, 0x01);  // autoconfig: FIFO on, IIR bits 7:6 say 16550A
    EXPECT_EQ(in(iir) >> 6, 3);
    out(lcr, 0xbf);  // 16650 EFR probe: a 16550A shows IIR there, not 0
    EXPECT_NE(in(2), 0);
    out(lcr, 0);
    out(fcr, 0x07);  // clear FIFOs
    out(fcr, 0);
    (void)in(lsr);
    (void)in(rbr);
    (void)in(iir);
    (void)in(msr);
    EXPECT_NE(in(lsr), 0xff);
    out(lcr, 0x03);
    out(mcr, mcr_out2 | mcr_rts | mcr_dtr);
    // The THRE re-assertion test.
    out(ier, ier_thri);
    const std::uint8_t iir1 = in(iir);
    out(ier, 0);
    out(ier, ier_thri);
    const std::uint8_t iir2 = in(iir);
    out(ier, 0);
    EXPECT_EQ(iir1 & iir_no_int, 0);
    EXPECT_EQ(iir2 & iir_no_int, 0);
    // The TXEN test.
    out(ier, ier_thri);
    const std::uint8_t status = in(lsr);
    const std::uint8_t id = in(iir);
    out(ier, 0);
    EXPECT_FALSE((status & 0x40) != 0 && (id & iir_no_int) != 0);
    EXPECT_FALSE(lines.level(irq));
}

}  // namespace
}  // namespace septum::vmm::testing
