// The PC's CMOS clock (Freescale MC146818A and its successors), as far as
// its time goes: register indexes, the formats register B selects (BCD or
// binary, 12- or 24-hour) and the conversions between values and register
// bytes. The VMM's RTC model (vmm-server/src/rtc.cpp) writes these formats
// and the kernel reads the machine's clock in them once at boot
// (kernel/arch/x86_64/wall_clock.cpp).
#pragma once

#include <cstdint>

#include "calendar.hpp"

namespace septum::cmos {

// Register indexes (data sheet, Table 2 and Figure 3; century as on PCs).
namespace reg {
inline constexpr std::uint8_t seconds = 0x00;
inline constexpr std::uint8_t seconds_alarm = 0x01;
inline constexpr std::uint8_t minutes = 0x02;
inline constexpr std::uint8_t minutes_alarm = 0x03;
inline constexpr std::uint8_t hours = 0x04;
inline constexpr std::uint8_t hours_alarm = 0x05;
inline constexpr std::uint8_t day_of_week = 0x06;
inline constexpr std::uint8_t day = 0x07;
inline constexpr std::uint8_t month = 0x08;
inline constexpr std::uint8_t year = 0x09;
inline constexpr std::uint8_t a = 0x0a;
inline constexpr std::uint8_t b = 0x0b;
inline constexpr std::uint8_t c = 0x0c;
inline constexpr std::uint8_t d = 0x0d;
inline constexpr std::uint8_t century = 0x32;
}  // namespace reg

inline constexpr std::uint8_t a_uip = 0x80;  // update in progress: the time registers are about to change
inline constexpr std::uint8_t b_binary = 0x04;
inline constexpr std::uint8_t b_hour24 = 0x02;
inline constexpr std::uint8_t hour_pm = 0x80;  // 12-hour format: the hours byte's PM bit

struct Format {
    bool binary;
    bool hour24;
};

constexpr Format format_of(std::uint8_t b) { return {(b & b_binary) != 0, (b & b_hour24) != 0}; }

constexpr std::uint8_t encode(unsigned value, Format f) {
    return static_cast<std::uint8_t>(f.binary ? value : (value / 10) << 4 | value % 10);
}

// The value of a register byte, or -1 when it is no encoding of a value
// in [low, high].
constexpr int decode(std::uint8_t byte, Format f, unsigned low, unsigned high) {
    unsigned value = byte;
    if (!f.binary) {
        if ((byte & 0x0f) > 9 || (byte >> 4) > 9) {
            return -1;
        }
        value = (byte >> 4) * 10 + (byte & 0x0f);
    }
    return value >= low && value <= high ? static_cast<int>(value) : -1;
}

constexpr std::uint8_t encode_hour(unsigned hour, Format f) {
    if (f.hour24) {
        return encode(hour, f);
    }
    const unsigned h12 = hour % 12 == 0 ? 12 : hour % 12;  // 12 AM is midnight, 12 PM noon
    return static_cast<std::uint8_t>(encode(h12, f) | (hour >= 12 ? hour_pm : 0));
}

constexpr int decode_hour(std::uint8_t byte, Format f) {
    if (f.hour24) {
        return decode(byte, f, 0, 23);
    }
    const int h12 = decode(byte & static_cast<std::uint8_t>(~hour_pm), f, 1, 12);
    return h12 < 0 ? -1 : h12 % 12 + ((byte & hour_pm) != 0 ? 12 : 0);
}

// The time registers, read together, as the chip holds them.
struct TimeRegisters {
    std::uint8_t second, minute, hour, day, month, year, century;
    std::uint8_t b;  // register B: the format of the others
    friend constexpr bool operator==(const TimeRegisters&, const TimeRegisters&) = default;
};

// The date and time the registers hold; false when they hold none (a
// byte that encodes no value in its field's range, or a day the month
// does not have).
constexpr bool date_of(const TimeRegisters& r, calendar::DateTime& out) {
    const Format f = format_of(r.b);
    const int second = decode(r.second, f, 0, 59);
    const int minute = decode(r.minute, f, 0, 59);
    const int hour = decode_hour(r.hour, f);
    const int day = decode(r.day, f, 1, 31);
    const int month = decode(r.month, f, 1, 12);
    const int year = decode(r.year, f, 0, 99);
    const int century = decode(r.century, f, 0, 99);
    if (second < 0 || minute < 0 || hour < 0 || day < 0 || month < 0 || year < 0 || century < 0) {
        return false;
    }
    out = calendar::DateTime{static_cast<unsigned>(century * 100 + year),
                             static_cast<unsigned>(month),
                             static_cast<unsigned>(day),
                             static_cast<unsigned>(hour),
                             static_cast<unsigned>(minute),
                             static_cast<unsigned>(second)};
    return calendar::valid(out);
}

// The registers that hold `t` (valid) in format `b`.
constexpr TimeRegisters registers_of(const calendar::DateTime& t, std::uint8_t b) {
    const Format f = format_of(b);
    return TimeRegisters{encode(t.second, f), encode(t.minute, f),     encode_hour(t.hour, f),  encode(t.day, f),
                         encode(t.month, f),  encode(t.year % 100, f), encode(t.year / 100, f), b};
}

}  // namespace septum::cmos
