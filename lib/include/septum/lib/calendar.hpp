// Civil time for CMOS clocks (the kernel reading the machine's, the VMM
// modelling a guest's): dates of the proleptic Gregorian calendar, years 1
// to 9999, counted in seconds since 0001-01-01 00:00:00 (UTC; the RTC
// knows no time zones and no leap seconds).
#pragma once

#include <cstdint>

namespace septum::calendar {

struct DateTime {
    unsigned year, month, day;  // month 1-12, day 1-31
    unsigned hour, minute, second;
    friend constexpr bool operator==(const DateTime&, const DateTime&) = default;
};

inline constexpr std::uint64_t seconds_per_day = 86400;
inline constexpr unsigned max_year = 9999;

constexpr bool leap(std::uint64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

constexpr unsigned days_in_month(std::uint64_t year, unsigned month) {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) {
        return 0;
    }
    return days[month - 1] + (month == 2 && leap(year) ? 1 : 0);
}

// Days from 0001-01-01 to January 1 of `year` (>= 1): 365 a year plus one
// for each leap year before it.
constexpr std::uint64_t days_before_year(std::uint64_t year) {
    const std::uint64_t y = year - 1;
    return 365 * y + y / 4 - y / 100 + y / 400;
}

inline constexpr std::uint64_t unix_epoch = days_before_year(1970) * seconds_per_day;
inline constexpr std::uint64_t max_seconds = days_before_year(max_year + 1) * seconds_per_day - 1;

constexpr bool valid(const DateTime& t) {
    return t.year >= 1 && t.year <= max_year && t.day >= 1 && t.day <= days_in_month(t.year, t.month) && t.hour < 24 &&
           t.minute < 60 && t.second < 60;
}

// `t` must be valid.
constexpr std::uint64_t to_seconds(const DateTime& t) {
    std::uint64_t days = days_before_year(t.year) + t.day - 1;
    for (unsigned m = 1; m < t.month; ++m) {
        days += days_in_month(t.year, m);
    }
    return ((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second;
}

// Seconds since 1970-01-01 00:00:00 UTC; `t` must be valid, and a date
// before 1970 gives 0.
constexpr std::uint64_t unix_seconds(const DateTime& t) {
    const std::uint64_t s = to_seconds(t);
    return s > unix_epoch ? s - unix_epoch : 0;
}

// The Unix time at TSC `tsc_now` of a clock read as `unix_at` at TSC
// `tsc_at` (abi::BootInfo::unix_seconds_at_boot, abi::CellInfo::
// wall_clock_unix), whole seconds only. A time of 0 (unknown) stays 0; a
// TSC rate of 0 or a TSC before the read adds nothing.
constexpr std::uint64_t unix_seconds_at(std::uint64_t unix_at, std::uint64_t tsc_at, std::uint64_t tsc_now,
                                        std::uint64_t tsc_khz) {
    if (unix_at == 0 || tsc_khz == 0 || tsc_now <= tsc_at) {
        return unix_at;
    }
    const std::uint64_t elapsed = (tsc_now - tsc_at) / tsc_khz / 1000;
    return elapsed > ~unix_at ? ~std::uint64_t{0} : unix_at + elapsed;
}

// `seconds` is held to max_seconds. The year is found from below: the
// first guess (a 366-day year) is never past it, and at most a few dozen
// steps over 9999 years close the gap.
constexpr DateTime from_seconds(std::uint64_t seconds) {
    if (seconds > max_seconds) {
        seconds = max_seconds;
    }
    std::uint64_t days = seconds / seconds_per_day;
    const std::uint64_t in_day = seconds % seconds_per_day;
    std::uint64_t year = 1 + days / 366;
    while (days_before_year(year + 1) <= days) {
        ++year;
    }
    days -= days_before_year(year);
    unsigned month = 1;
    while (days >= days_in_month(year, month)) {
        days -= days_in_month(year, month);
        ++month;
    }
    return DateTime{static_cast<unsigned>(year),
                    month,
                    static_cast<unsigned>(days + 1),
                    static_cast<unsigned>(in_day / 3600),
                    static_cast<unsigned>(in_day / 60 % 60),
                    static_cast<unsigned>(in_day % 60)};
}

// 1 (Sunday) to 7 (Saturday), as the RTC counts; 0001-01-01 was a Monday.
constexpr unsigned day_of_week(std::uint64_t seconds) {
    return static_cast<unsigned>((seconds / seconds_per_day + 1) % 7) + 1;
}

}  // namespace septum::calendar
