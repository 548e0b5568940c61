// The CMOS RTC: formats, the passing of time on the TSC, the
// update-in-progress window, flags and interrupts, and what Linux's
// mc146818 code does with it.
#include <septum/vmm/rtc.hpp>

#include <gtest/gtest.h>

#include "fixture.hpp"
#include "interrupt_fakes.hpp"

namespace septum::vmm::testing {
namespace {

namespace cal = calendar;

// 2023-11-14 22:13:20 UTC, a Tuesday.
constexpr std::uint64_t start_time = 1700000000;
constexpr std::uint64_t tsc_hz = 1000000;  // one tick a microsecond
constexpr std::uint8_t sec = 0, sec_alarm = 1, min = 2, min_alarm = 3, hour = 4, hour_alarm = 5, weekday = 6, day = 7,
                       month = 8, year = 9, reg_a = 0xa, reg_b = 0xb, reg_c = 0xc, reg_d = 0xd, century = 0x32;
constexpr std::uint8_t uip = 0x80, set = 0x80, pie = 0x40, aie = 0x20, uie = 0x10, binary = 0x04, h24 = 0x02;

FakeClock clock_at(std::uint64_t tsc) {
    FakeClock c;
    c.now = tsc;
    return c;
}

class RtcTest : public ::testing::Test {
protected:
    std::uint8_t cmos(std::uint8_t index) {
        EXPECT_EQ(rtc.write(0, 1, index), Outcome::resume());
        return static_cast<std::uint8_t>(rtc.read(1, 1));
    }
    void set_cmos(std::uint8_t index, std::uint8_t value) {
        EXPECT_EQ(rtc.write(0, 1, index), Outcome::resume());
        EXPECT_EQ(rtc.write(1, 1, value), Outcome::resume());
    }
    void at(std::uint64_t ticks_after_start) { clock.now = t0 + ticks_after_start; }

    static constexpr std::uint64_t t0 = 5'000'000'000;
    FakeClock clock = clock_at(t0);
    RecordingLines lines;
    Rtc rtc{clock, static_cast<std::uint32_t>(tsc_hz / 1000), start_time, IrqLine{&lines, 8}};
};

TEST_F(RtcTest, StartsAtTheGivenTimeInBcd24Hour) {
    EXPECT_EQ(cmos(sec), 0x20);
    EXPECT_EQ(cmos(min), 0x13);
    EXPECT_EQ(cmos(hour), 0x22);
    EXPECT_EQ(cmos(weekday), 3);  // Sunday is 1
    EXPECT_EQ(cmos(day), 0x14);
    EXPECT_EQ(cmos(month), 0x11);
    EXPECT_EQ(cmos(year), 0x23);
    EXPECT_EQ(cmos(century), 0x20);
    EXPECT_EQ(cmos(reg_a), 0x26);
    EXPECT_EQ(cmos(reg_b), h24);
    EXPECT_EQ(cmos(reg_c), 0);
    EXPECT_EQ(cmos(reg_d), 0x80);  // valid RAM and time; Linux checks bit 6 is 0
}

TEST_F(RtcTest, TimePassesWithTheTsc) {
    at(tsc_hz / 2);
    EXPECT_EQ(cmos(sec), 0x20);
    at(tsc_hz);
    EXPECT_EQ(cmos(sec), 0x21);
    at(41 * tsc_hz);  // 22:14:01
    EXPECT_EQ(cmos(sec), 0x01);
    EXPECT_EQ(cmos(min), 0x14);
    at(3 * 86400 * tsc_hz);  // three days on: Friday the 17th
    EXPECT_EQ(cmos(day), 0x17);
    EXPECT_EQ(cmos(weekday), 6);
}

TEST_F(RtcTest, UpdateInProgressOnlyJustBeforeEachSecond) {
    at(tsc_hz - 2229);
    EXPECT_EQ(cmos(reg_a) & uip, 0);
    at(tsc_hz - 2228);
    EXPECT_EQ(cmos(reg_a) & uip, uip);
    EXPECT_EQ(cmos(sec), 0x20);  // the old second until the update completes
    at(tsc_hz);
    EXPECT_EQ(cmos(reg_a) & uip, 0);
    EXPECT_EQ(cmos(sec), 0x21);
    set_cmos(reg_a, 0xa6);  // UIP is read-only
    at(tsc_hz + 10);
    EXPECT_EQ(cmos(reg_a), 0x26);
}

// mc146818_avoid_UIP and mc146818_get_time (drivers/rtc/lib): read the
// seconds, retry while UIP is set, read the time, and retry if UIP rose or
// the seconds changed meanwhile. At any moment it takes a few reads.
TEST_F(RtcTest, LinuxReadsTheTimeAtOnceAtAnyPhase) {
    for (std::uint64_t phase = 0; phase < tsc_hz; phase += 997) {
        at(5 * tsc_hz + phase);
        unsigned retries = 0;
        for (;;) {
            const std::uint8_t s = cmos(sec);
            if ((cmos(reg_a) & uip) != 0) {
                clock.now += 100;  // udelay(100)
                ++retries;
                continue;
            }
            (void)cmos(min);
            (void)cmos(hour);
            if ((cmos(reg_a) & uip) == 0 && cmos(sec) == s) {
                break;
            }
            ++retries;
        }
        EXPECT_LE(retries, 23u) << phase;  // 2,228 µs of UIP at 100 µs a retry
    }
}

TEST_F(RtcTest, BinaryAnd12HourFormatsAsRegisterBSays) {
    set_cmos(reg_b, set | binary);  // 12-hour, binary; the registers are not converted
    set_cmos(hour, 11);
    set_cmos(min, 59);
    set_cmos(sec, 59);
    set_cmos(day, 31);
    set_cmos(month, 12);
    set_cmos(year, 99);
    set_cmos(century, 20);
    set_cmos(reg_b, binary);
    at(tsc_hz);
    EXPECT_EQ(cmos(hour), 0x80 | 12);  // noon: 12 PM
    EXPECT_EQ(cmos(sec), 0);
    set_cmos(reg_b, set | binary);
    set_cmos(hour, 0x80 | 11);  // 11:59:59 PM on 2099-12-31
    set_cmos(min, 59);
    set_cmos(sec, 59);
    set_cmos(reg_b, binary);
    at(2 * tsc_hz);
    EXPECT_EQ(cmos(hour), 12);  // midnight: 12 AM
    EXPECT_EQ(cmos(day), 1);
    EXPECT_EQ(cmos(month), 1);
    EXPECT_EQ(cmos(year), 0);
    EXPECT_EQ(cmos(century), 21);
}

TEST_F(RtcTest, LeapDays) {
    set_cmos(reg_b, set | h24);
    set_cmos(year, 0x24);
    set_cmos(month, 0x02);
    set_cmos(day, 0x28);
    set_cmos(hour, 0x23);
    set_cmos(min, 0x59);
    set_cmos(sec, 0x59);
    set_cmos(reg_b, h24);
    at(tsc_hz);
    EXPECT_EQ(cmos(day), 0x29);
    at(tsc_hz + 86400 * tsc_hz);
    EXPECT_EQ(cmos(day), 0x01);
    EXPECT_EQ(cmos(month), 0x03);
}

TEST_F(RtcTest, SetHoldsTheTimeAndClearsUie) {
    set_cmos(reg_b, h24 | uie);
    set_cmos(reg_b, h24 | uie | set);
    EXPECT_EQ(cmos(reg_b), h24 | set);
    at(tsc_hz - 100);
    EXPECT_EQ(cmos(reg_a) & uip, 0);  // no update is coming
    at(5 * tsc_hz);
    EXPECT_EQ(cmos(sec), 0x20);
    set_cmos(reg_b, h24);
    at(6 * tsc_hz);  // the divider ran on: the phase is kept
    EXPECT_EQ(cmos(sec), 0x21);
}

TEST_F(RtcTest, TheDividerInResetStopsTheClockAndRestartsHalfASecondLater) {
    set_cmos(reg_a, 0x70);
    at(10 * tsc_hz);
    EXPECT_EQ(cmos(sec), 0x20);
    EXPECT_EQ(cmos(reg_a) & uip, 0);
    set_cmos(reg_a, 0x26);
    at(10 * tsc_hz + tsc_hz / 2 - 1);
    EXPECT_EQ(cmos(sec), 0x20);
    at(10 * tsc_hz + tsc_hz / 2);
    EXPECT_EQ(cmos(sec), 0x21);
}

TEST_F(RtcTest, UpdateFlagAndItsInterrupt) {
    set_cmos(reg_a, 0x20);  // no periodic flag in the way
    at(tsc_hz);
    EXPECT_EQ(cmos(reg_c), 0x10);  // UF, not enabled: no IRQF
    EXPECT_EQ(cmos(reg_c), 0);     // read clears
    set_cmos(reg_b, h24 | uie);
    EXPECT_EQ(rtc.next_event(), t0 + 2 * tsc_hz);
    at(2 * tsc_hz);
    rtc.update();
    EXPECT_TRUE(lines.level(8));
    EXPECT_EQ(rtc.next_event(), Rtc::no_event);  // the line is up until C is read
    EXPECT_EQ(cmos(reg_c), 0x90);
    EXPECT_FALSE(lines.level(8));
}

TEST_F(RtcTest, AlarmAtAGivenTimeAndEverySecond) {
    set_cmos(reg_a, 0x20);  // no periodic flag in the way
    set_cmos(hour_alarm, 0x22);
    set_cmos(min_alarm, 0x13);
    set_cmos(sec_alarm, 0x23);
    set_cmos(reg_b, h24 | aie);
    EXPECT_EQ(rtc.next_event(), t0 + 3 * tsc_hz);
    at(2 * tsc_hz);
    EXPECT_EQ(cmos(reg_c) & 0x20, 0);
    at(3 * tsc_hz);
    rtc.update();
    EXPECT_TRUE(lines.level(8));
    EXPECT_EQ(cmos(reg_c), 0xb0);  // IRQF, AF, UF
    set_cmos(hour_alarm, 0xc0);    // don't care, everywhere
    set_cmos(min_alarm, 0xff);
    set_cmos(sec_alarm, 0xc5);
    EXPECT_EQ(rtc.next_event(), t0 + 4 * tsc_hz);
    at(100 * tsc_hz);  // a long gap: the alarm matched within it
    EXPECT_EQ(cmos(reg_c) & 0x20, 0x20);
    set_cmos(sec_alarm, 0x60);  // no second is 60: never
    EXPECT_EQ(rtc.next_event(), Rtc::no_event);
    at(200 * tsc_hz);
    EXPECT_EQ(cmos(reg_c) & 0x20, 0);
}

TEST_F(RtcTest, AnAlarmADayAwayIsFound) {
    set_cmos(hour_alarm, 0x22);
    set_cmos(min_alarm, 0x13);
    set_cmos(sec_alarm, 0x19);  // a second ago: next matches tomorrow
    set_cmos(reg_b, h24 | aie);
    EXPECT_EQ(rtc.next_event(), t0 + 86399 * tsc_hz);
}

TEST_F(RtcTest, PeriodicFlag) {
    set_cmos(reg_a, 0x2f);  // 2 Hz
    at(tsc_hz / 2 - 1);
    EXPECT_EQ(cmos(reg_c) & 0x40, 0);
    at(tsc_hz / 2);
    EXPECT_EQ(cmos(reg_c) & 0x40, 0x40);
    set_cmos(reg_b, h24 | pie);
    EXPECT_EQ(rtc.next_event(), t0 + tsc_hz);
    at(tsc_hz + 5);
    rtc.update();
    EXPECT_TRUE(lines.level(8));
    set_cmos(reg_a, 0x20);  // rate 0: no periodic flag
    EXPECT_EQ(cmos(reg_c) & 0xc0, 0xc0);
    set_cmos(reg_b, h24 | pie);
    EXPECT_EQ(rtc.next_event(), Rtc::no_event);
}

TEST_F(RtcTest, IndexPortCarriesTheNmiMask) {
    EXPECT_FALSE(rtc.nmi_masked());
    EXPECT_EQ(rtc.write(0, 1, 0x80 | sec), Outcome::resume());
    EXPECT_TRUE(rtc.nmi_masked());
    EXPECT_EQ(rtc.read(1, 1), 0x20u);                              // the index without bit 7
    EXPECT_EQ(rtc.read(0, 1), 0xffu);                              // write-only
    EXPECT_EQ(rtc.write(0, 2, 0x5a00 | 0x40), Outcome::resume());  // index, then data
    EXPECT_FALSE(rtc.nmi_masked());
    EXPECT_EQ(cmos(0x40), 0x5a);
    EXPECT_EQ(rtc.read(0, 2) >> 8, 0x5au);
}

TEST_F(RtcTest, MemoryHoldsAndStatusRegistersAreReadOnly) {
    for (unsigned i = 0x0e; i < 0x80; ++i) {
        set_cmos(static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i ^ 0xa5));
    }
    for (unsigned i = 0x0e; i < 0x80; ++i) {
        if (i != century) {
            EXPECT_EQ(cmos(static_cast<std::uint8_t>(i)), i ^ 0xa5) << i;
        }
    }
    set_cmos(reg_c, 0xff);
    set_cmos(reg_d, 0x00);
    EXPECT_EQ(cmos(reg_c), 0);
    EXPECT_EQ(cmos(reg_d), 0x80);
}

TEST_F(RtcTest, GarbageTimeStaysAsWritten) {
    set_cmos(sec, 0xff);
    set_cmos(month, 0x13);
    cal::DateTime t{};
    EXPECT_FALSE(rtc.time(t));
    at(5 * tsc_hz);
    EXPECT_EQ(cmos(sec), 0xff);
    EXPECT_EQ(cmos(reg_c) & 0x10, 0x10);  // the update cycles still happen
    set_cmos(sec, 0x00);
    set_cmos(month, 0x02);
    set_cmos(day, 0x30);  // February 30th
    EXPECT_FALSE(rtc.time(t));
}

TEST_F(RtcTest, ResetKeepsTheTimeAndDropsInterrupts) {
    set_cmos(reg_b, h24 | uie | 0x08);
    at(tsc_hz);
    rtc.update();
    ASSERT_TRUE(lines.level(8));
    (void)rtc.write(0, 1, 0x80 | 0x20);
    rtc.reset();
    EXPECT_FALSE(lines.level(8));
    EXPECT_FALSE(rtc.nmi_masked());
    EXPECT_EQ(cmos(reg_b), h24);
    EXPECT_EQ(cmos(reg_c), 0);
    EXPECT_EQ(cmos(sec), 0x21);
}

TEST(Rtc, WithoutATscRateTheClockStands) {
    FakeClock clock;
    Rtc rtc{clock, 0, 0};
    clock.now += 1'000'000'000'000;
    (void)rtc.write(0, 1, 0);
    EXPECT_EQ(rtc.read(1, 1), 0u);
    (void)rtc.write(0, 1, 0x0a);
    EXPECT_EQ(rtc.read(1, 1), 0x26u);  // never UIP
    EXPECT_EQ(rtc.next_event(), Rtc::no_event);
    (void)rtc.write(0, 1, 0x09);
    EXPECT_EQ(rtc.read(1, 1), 0x70u);  // 1970
}

// Found by the RTC fuzzer: with the next update past the TSC's range,
// every access counted as one more update.
TEST(Rtc, AClockAtTheEndOfTheTscRangeStands) {
    FakeClock clock;
    clock.now = ~std::uint64_t{0};
    Rtc rtc{clock, 1000, 0};
    for (int i = 0; i < 3; ++i) {
        (void)rtc.write(0, 1, 0);
        EXPECT_EQ(rtc.read(1, 1), 0u);
    }
}

TEST(Rtc, FarFuturesAreHeldTo9999) {
    FakeClock clock;
    Rtc rtc{clock, 1, ~std::uint64_t{0}};
    cal::DateTime t{};
    ASSERT_TRUE(rtc.time(t));
    EXPECT_EQ(t, (cal::DateTime{9999, 12, 31, 23, 59, 59}));
    clock.now += 10'000'000;
    (void)rtc.write(0, 1, 0x0c);
    (void)rtc.read(1, 1);
    ASSERT_TRUE(rtc.time(t));
    EXPECT_EQ(t.year, 9999u);
}

}  // namespace
}  // namespace septum::vmm::testing
