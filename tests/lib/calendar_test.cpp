// Civil time (septum/lib/calendar.hpp) and the CMOS clock's register
// formats (septum/lib/cmos_clock.hpp), which the kernel reads the machine's
// time with and the VMM's RTC model writes: fixed points, every day of
// four centuries, and round trips over any time in any format.
#include <septum/lib/calendar.hpp>
#include <septum/lib/cmos_clock.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>

namespace septum {
namespace {

namespace cal = calendar;

static_assert(cal::unix_epoch / cal::seconds_per_day == 719162);
static_assert(cal::from_seconds(cal::unix_epoch) == cal::DateTime{1970, 1, 1, 0, 0, 0});
static_assert(cal::to_seconds({2000, 3, 1, 0, 0, 0}) - cal::to_seconds({2000, 2, 28, 0, 0, 0}) == 2 * 86400);
static_assert(cal::to_seconds({1900, 3, 1, 0, 0, 0}) - cal::to_seconds({1900, 2, 28, 0, 0, 0}) == 86400);
static_assert(cal::day_of_week(cal::unix_epoch) == 5);  // a Thursday
static_assert(cal::from_seconds(~std::uint64_t{0}) == cal::DateTime{9999, 12, 31, 23, 59, 59});
// Fixed points of Unix time, as `date -u -d @N` prints them.
static_assert(cal::unix_seconds({1970, 1, 1, 0, 0, 0}) == 0);
static_assert(cal::unix_seconds({2000, 1, 1, 0, 0, 0}) == 946684800);
static_assert(cal::unix_seconds({2023, 11, 14, 22, 13, 20}) == 1700000000);
static_assert(cal::unix_seconds({2038, 1, 19, 3, 14, 8}) == 0x80000000);
static_assert(cal::unix_seconds({1969, 12, 31, 23, 59, 59}) == 0);  // before 1970: held at 0

TEST(Calendar, RoundTripsEveryDayOfFourCenturies) {
    for (std::uint64_t day = cal::days_before_year(1900); day < cal::days_before_year(2300); ++day) {
        const std::uint64_t s = day * cal::seconds_per_day + 45296;  // 12:34:56
        const cal::DateTime t = cal::from_seconds(s);
        ASSERT_TRUE(cal::valid(t)) << day;
        ASSERT_EQ(cal::to_seconds(t), s) << day;
    }
}

RC_GTEST_PROP(Calendar, UnixSecondsRoundTrip, ()) {
    const std::uint64_t unix = *rc::gen::inRange<std::uint64_t>(0, cal::max_seconds - cal::unix_epoch + 1);
    const cal::DateTime t = cal::from_seconds(cal::unix_epoch + unix);
    RC_ASSERT(cal::valid(t));
    RC_ASSERT(t.year >= 1970u);
    RC_ASSERT(cal::unix_seconds(t) == unix);
}

// Any valid date, any field in range: to seconds and back gives it again.
RC_GTEST_PROP(Calendar, DatesRoundTrip, ()) {
    const unsigned year = *rc::gen::inRange(1u, cal::max_year + 1);
    const unsigned month = *rc::gen::inRange(1u, 13u);
    const unsigned day = *rc::gen::inRange(1u, cal::days_in_month(year, month) + 1);
    const cal::DateTime t{
        year, month, day, *rc::gen::inRange(0u, 24u), *rc::gen::inRange(0u, 60u), *rc::gen::inRange(0u, 60u)};
    RC_ASSERT(cal::valid(t));
    RC_ASSERT(cal::from_seconds(cal::to_seconds(t)) == t);
}

static_assert(cal::unix_seconds_at(1700000000, 1000, 1000 + std::uint64_t{3} * 2'000'000'000 + 1, 2'000'000) ==
              1700000003);
static_assert(cal::unix_seconds_at(0, 0, 1'000'000'000, 1000) == 0);                 // unknown stays unknown
static_assert(cal::unix_seconds_at(1700000000, 5000, 4000, 1000) == 1700000000);     // a TSC before the read
static_assert(cal::unix_seconds_at(1700000000, 0, 1'000'000'000, 0) == 1700000000);  // no rate
static_assert(cal::unix_seconds_at(~std::uint64_t{0} - 1, 0, ~std::uint64_t{0}, 1) == ~std::uint64_t{0});  // held

// Later TSCs never give an earlier time, and whole seconds of TSC add
// exactly that many seconds.
RC_GTEST_PROP(Calendar, TimeAtATscRunsWithTheTsc, ()) {
    const std::uint64_t unix = *rc::gen::inRange<std::uint64_t>(1, std::uint64_t{1} << 40);
    const std::uint64_t khz = *rc::gen::inRange<std::uint64_t>(1, 10'000'000);
    const std::uint64_t at = *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << 62);
    const std::uint64_t seconds = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
    const std::uint64_t a = at + *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << 50);
    const std::uint64_t b = a + *rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << 50);
    RC_ASSERT(cal::unix_seconds_at(unix, at, a, khz) <= cal::unix_seconds_at(unix, at, b, khz));
    RC_ASSERT(cal::unix_seconds_at(unix, at, at + seconds * khz * 1000, khz) == unix + seconds);
    RC_ASSERT(cal::unix_seconds_at(unix, at, at + seconds * khz * 1000 + khz * 1000 - 1, khz) == unix + seconds);
}

namespace reg = cmos::reg;
constexpr std::uint8_t bcd_24h = cmos::b_hour24, binary_12h = cmos::b_binary;

TEST(CmosClock, ReadsEachFormat) {
    cal::DateTime t{};
    // 2024-02-29 13:05:09 in BCD, 24-hour: what PC firmware leaves.
    ASSERT_TRUE(cmos::date_of({0x09, 0x05, 0x13, 0x29, 0x02, 0x24, 0x20, bcd_24h}, t));
    EXPECT_EQ(t, (cal::DateTime{2024, 2, 29, 13, 5, 9}));
    // The same in binary, 12-hour: 1 PM.
    ASSERT_TRUE(cmos::date_of({9, 5, 0x80 | 1, 29, 2, 24, 20, binary_12h}, t));
    EXPECT_EQ(t, (cal::DateTime{2024, 2, 29, 13, 5, 9}));
    // 12 AM is midnight, 12 PM noon (BCD, 12-hour).
    ASSERT_TRUE(cmos::date_of({0, 0, 0x12, 1, 1, 0x25, 0x20, 0}, t));
    EXPECT_EQ(t.hour, 0u);
    ASSERT_TRUE(cmos::date_of({0, 0, 0x92, 1, 1, 0x25, 0x20, 0}, t));
    EXPECT_EQ(t.hour, 12u);
}

TEST(CmosClock, RefusesWhatHoldsNoDate) {
    cal::DateTime t{};
    EXPECT_FALSE(cmos::date_of({0x5a, 0, 0, 1, 1, 0x24, 0x20, bcd_24h}, t));     // not BCD
    EXPECT_FALSE(cmos::date_of({0x60, 0, 0, 1, 1, 0x24, 0x20, bcd_24h}, t));     // second 60
    EXPECT_FALSE(cmos::date_of({0, 0, 0x24, 1, 1, 0x24, 0x20, bcd_24h}, t));     // hour 24
    EXPECT_FALSE(cmos::date_of({0, 0, 0x00, 1, 1, 0x24, 0x20, 0}, t));           // hour 0 in 12-hour format
    EXPECT_FALSE(cmos::date_of({0, 0, 0, 0x30, 0x02, 0x24, 0x20, bcd_24h}, t));  // February 30
    EXPECT_FALSE(cmos::date_of({0, 0, 0, 0x29, 0x02, 0x23, 0x20, bcd_24h}, t));  // 2023 is no leap year
    EXPECT_FALSE(cmos::date_of({0, 0, 0, 1, 0x13, 0x24, 0x20, bcd_24h}, t));     // month 13
    EXPECT_FALSE(cmos::date_of({0, 0, 0, 0, 1, 0x24, 0x20, bcd_24h}, t));        // day 0
}

// Any time from 2000 to 2099 in any of the four formats: the registers
// that hold it read back as it, and its Unix seconds come back too.
RC_GTEST_PROP(CmosClock, EveryFormatRoundTrips, ()) {
    const std::uint64_t first = cal::days_before_year(2000) * cal::seconds_per_day;
    const std::uint64_t end = cal::days_before_year(2100) * cal::seconds_per_day;
    const std::uint64_t s = *rc::gen::inRange(first, end);
    const std::uint8_t b =
        *rc::gen::element<std::uint8_t>(0, cmos::b_binary, cmos::b_hour24, cmos::b_binary | cmos::b_hour24);
    const cal::DateTime t = cal::from_seconds(s);
    const cmos::TimeRegisters r = cmos::registers_of(t, b);
    cal::DateTime back{};
    RC_ASSERT(cmos::date_of(r, back));
    RC_ASSERT(back == t);
    RC_ASSERT(cal::unix_seconds(back) == s - cal::unix_epoch);
}

}  // namespace
}  // namespace septum
