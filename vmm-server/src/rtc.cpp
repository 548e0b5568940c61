#include <septum/vmm/rtc.hpp>

namespace septum::vmm {

namespace {

// Register indexes and the time formats: septum/lib/cmos_clock.hpp.
namespace reg = cmos::reg;
using cmos::decode;
using cmos::decode_hour;
using cmos::encode;
using cmos::Format;
using cmos::format_of;

namespace a_bits {
constexpr std::uint8_t uip = cmos::a_uip;
constexpr std::uint8_t divider = 0x70;
constexpr std::uint8_t divider_32khz = 0x20;  // DV = 010: the PC's 32.768 kHz time base, running
constexpr std::uint8_t rate = 0x0f;
constexpr std::uint8_t power_on = divider_32khz | 0x06;  // 1,024 Hz periodic rate, as PC firmware leaves it
}  // namespace a_bits

namespace b_bits {
constexpr std::uint8_t set = 0x80;
constexpr std::uint8_t pie = 0x40;
constexpr std::uint8_t aie = 0x20;
constexpr std::uint8_t uie = 0x10;
constexpr std::uint8_t sqwe = 0x08;
constexpr std::uint8_t hour24 = cmos::b_hour24;
constexpr std::uint8_t enables = pie | aie | uie;
}  // namespace b_bits

// Register C's flags sit at the same bits as their enables in B.
namespace c_bits {
constexpr std::uint8_t irqf = 0x80;
constexpr std::uint8_t pf = b_bits::pie;
constexpr std::uint8_t af = b_bits::aie;
constexpr std::uint8_t uf = b_bits::uie;
}  // namespace c_bits

constexpr std::uint8_t d_valid_ram_and_time = 0x80;
constexpr std::uint8_t index_mask = 0x7f;
constexpr std::uint8_t nmi_disable = 0x80;
constexpr std::uint8_t alarm_any = 0xc0;  // an alarm byte of 11xxxxxx matches every value

// UIP rises 244 µs before an update cycle, which lasts 1,984 µs at
// 32.768 kHz (data sheet: tBUC, tUC).
constexpr std::uint64_t uip_microseconds = 244 + 1984;

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? ~std::uint64_t{0} : a + b; }

// An alarm field: a value, any value, or none (a byte no time can equal).
constexpr int alarm_matches_any = -2;

struct Alarm {
    int hour, minute, second;
};

bool matches(int field, unsigned value) {
    return field == alarm_matches_any || (field >= 0 && static_cast<unsigned>(field) == value);
}

int alarm_field(std::uint8_t byte, int value) { return (byte & alarm_any) == alarm_any ? alarm_matches_any : value; }

Alarm alarm_of(const std::uint8_t (&cmos)[128]) {
    const Format f = format_of(cmos[reg::b]);
    return Alarm{alarm_field(cmos[reg::hours_alarm], decode_hour(cmos[reg::hours_alarm], f)),
                 alarm_field(cmos[reg::minutes_alarm], decode(cmos[reg::minutes_alarm], f, 0, 59)),
                 alarm_field(cmos[reg::seconds_alarm], decode(cmos[reg::seconds_alarm], f, 0, 59))};
}

// Seconds from second-of-day `now` to the next second whose time the alarm
// matches, in [1, 86400]; 0 when it matches none. Skips whole hours and
// minutes that cannot match: at most a few thousand steps.
std::uint64_t seconds_to_alarm(const Alarm& a, std::uint64_t now) {
    constexpr std::uint64_t day = calendar::seconds_per_day;
    std::uint64_t ahead = 1;
    while (ahead <= day) {
        const std::uint64_t t = (now + ahead) % day;
        if (!matches(a.hour, static_cast<unsigned>(t / 3600))) {
            ahead += 3600 - t % 3600;
        } else if (!matches(a.minute, static_cast<unsigned>(t / 60 % 60))) {
            ahead += 60 - t % 60;
        } else if (!matches(a.second, static_cast<unsigned>(t % 60))) {
            ++ahead;
        } else {
            return ahead;
        }
    }
    return 0;
}

}  // namespace

Rtc::Rtc(const Clock& clock, std::uint32_t tsc_khz, std::uint64_t unix_seconds, IrqLine irq)
    : clock_{clock}, tsc_hz_{std::uint64_t{tsc_khz} * 1000}, irq_{irq} {
    cmos_[reg::a] = a_bits::power_on;
    cmos_[reg::b] = b_bits::hour24;  // BCD, 24-hour: what PC firmware sets
    cmos_[reg::d] = d_valid_ram_and_time;
    std::uint64_t seconds = sat_add(unix_seconds, calendar::unix_epoch);
    seconds = seconds < calendar::max_seconds ? seconds : calendar::max_seconds;
    set_time(seconds);
    cmos_[reg::day_of_week] = encode(calendar::day_of_week(seconds), format_of(cmos_[reg::b]));
    if (tsc_hz_ != 0) {
        const std::uint64_t now = clock_.tsc();
        next_update_ = sat_add(now, tsc_hz_);
        next_periodic_ = periodic_ticks() != 0 ? sat_add(now, periodic_ticks()) : no_event;
    }
}

void Rtc::reset() {
    // RESET clears PIE, AIE, UIE, SQWE and every flag in C (data sheet, RESET pin).
    cmos_[reg::b] &= static_cast<std::uint8_t>(~(b_bits::enables | b_bits::sqwe));
    cmos_[reg::c] = 0;
    index_ = 0;
    nmi_masked_ = false;
    update_irq();
}

bool Rtc::dividing() const { return tsc_hz_ != 0 && (cmos_[reg::a] & a_bits::divider) == a_bits::divider_32khz; }

bool Rtc::updating() const { return dividing() && (cmos_[reg::b] & b_bits::set) == 0; }

bool Rtc::update_in_progress() const {
    const std::uint64_t now = clock_.tsc();
    return updating() && next_update_ != no_event &&
           (now >= next_update_ || next_update_ - now <= tsc_hz_ * uip_microseconds / 1000000);
}

std::uint64_t Rtc::periodic_ticks() const {
    // RS 1 and 2 repeat RS 8 and 9 at 32.768 kHz; RS n >= 3 is 2^(16-n) Hz.
    const unsigned rs = cmos_[reg::a] & a_bits::rate;
    if (rs == 0) {
        return 0;
    }
    const std::uint64_t hz = rs <= 2 ? 32768u >> (rs + 6) : 32768u >> (rs - 1);
    const std::uint64_t ticks = tsc_hz_ / hz;
    return ticks != 0 ? ticks : 1;
}

std::uint8_t Rtc::flags_raised() const { return cmos_[reg::c] & cmos_[reg::b] & b_bits::enables; }

bool Rtc::time(calendar::DateTime& out) const {
    return cmos::date_of(
        cmos::TimeRegisters{cmos_[reg::seconds], cmos_[reg::minutes], cmos_[reg::hours], cmos_[reg::day],
                            cmos_[reg::month], cmos_[reg::year], cmos_[reg::century], cmos_[reg::b]},
        out);
}

void Rtc::set_time(std::uint64_t seconds) {
    const cmos::TimeRegisters r = cmos::registers_of(calendar::from_seconds(seconds), cmos_[reg::b]);
    cmos_[reg::seconds] = r.second;
    cmos_[reg::minutes] = r.minute;
    cmos_[reg::hours] = r.hour;
    cmos_[reg::day] = r.day;
    cmos_[reg::month] = r.month;
    cmos_[reg::year] = r.year;
    cmos_[reg::century] = r.century;
}

void Rtc::advance(std::uint64_t seconds) {
    calendar::DateTime t{};
    if (!time(t)) {
        return;  // the guest wrote no valid time: the registers keep what it wrote
    }
    const Format f = format_of(cmos_[reg::b]);
    const std::uint64_t before = calendar::to_seconds(t);
    const std::uint64_t to_alarm = seconds_to_alarm(alarm_of(cmos_), before % calendar::seconds_per_day);
    if (to_alarm != 0 && to_alarm <= seconds) {
        cmos_[reg::c] |= c_bits::af;
    }
    std::uint64_t after = sat_add(before, seconds);
    after = after < calendar::max_seconds ? after : calendar::max_seconds;
    set_time(after);
    const std::uint64_t days = after / calendar::seconds_per_day - before / calendar::seconds_per_day;
    const int weekday = decode(cmos_[reg::day_of_week], f, 1, 7);
    if (weekday > 0) {  // the chip counts 1-7 on from whatever it holds
        cmos_[reg::day_of_week] = encode(static_cast<unsigned>((weekday - 1 + days % 7) % 7 + 1), f);
    }
}

void Rtc::update() {
    const std::uint64_t now = clock_.tsc();
    if (dividing()) {
        const std::uint64_t period = periodic_ticks();
        // An event pushed past the end of the TSC's range (no_event) never comes.
        if (period != 0 && next_periodic_ != no_event && now >= next_periodic_) {
            cmos_[reg::c] |= c_bits::pf;
            const std::uint64_t late = now - next_periodic_;
            next_periodic_ = sat_add(sat_add(next_periodic_, late - late % period), period);
        }
        if (next_update_ != no_event && now >= next_update_) {
            const std::uint64_t late = now - next_update_;
            next_update_ = sat_add(sat_add(next_update_, late - late % tsc_hz_), tsc_hz_);
            if (updating()) {  // SET holds the registers; the divider runs on
                cmos_[reg::c] |= c_bits::uf;
                advance(late / tsc_hz_ + 1);
            }
        }
    }
    update_irq();
}

void Rtc::update_irq() {
    const bool level = flags_raised() != 0;
    if (level != irq_level_) {
        irq_level_ = level;
        irq_.set(level);
    }
}

std::uint64_t Rtc::next_event() const {
    if (irq_level_ || !dividing()) {
        return no_event;  // the line stays up until register C is read
    }
    const std::uint8_t b = cmos_[reg::b];
    std::uint64_t next = no_event;
    const auto sooner = [&next](std::uint64_t tsc) { next = tsc < next ? tsc : next; };
    if ((b & b_bits::pie) != 0 && periodic_ticks() != 0) {
        sooner(next_periodic_);
    }
    if (updating() && (b & b_bits::uie) != 0) {
        sooner(next_update_);
    }
    calendar::DateTime t{};
    if (updating() && (b & b_bits::aie) != 0 && time(t)) {
        const std::uint64_t ahead =
            seconds_to_alarm(alarm_of(cmos_), calendar::to_seconds(t) % calendar::seconds_per_day);
        if (ahead != 0) {
            sooner(sat_add(next_update_, (ahead - 1) * tsc_hz_));  // the update that shows the matching time
        }
    }
    return next;
}

std::uint8_t Rtc::peek(std::uint8_t index) const {
    switch (index & index_mask) {
        case reg::a:
            return static_cast<std::uint8_t>(cmos_[reg::a] | (update_in_progress() ? a_bits::uip : 0));
        case reg::c:
            return static_cast<std::uint8_t>(cmos_[reg::c] | (flags_raised() != 0 ? c_bits::irqf : 0));
        case reg::d:
            return d_valid_ram_and_time;
        default:
            return cmos_[index & index_mask];
    }
}

void Rtc::write_register(std::uint8_t index, std::uint8_t value) {
    const std::uint64_t now = clock_.tsc();
    switch (index) {
        case reg::a: {
            const bool was_dividing = dividing();
            const std::uint8_t old_rate = cmos_[reg::a] & a_bits::rate;
            cmos_[reg::a] = value & static_cast<std::uint8_t>(~a_bits::uip);  // UIP is read-only
            if (dividing() && !was_dividing) {
                next_update_ = sat_add(now, tsc_hz_ / 2);  // the first update comes 500 ms after the divider starts
            }
            if (dividing() && (!was_dividing || old_rate != (value & a_bits::rate))) {
                const std::uint64_t period = periodic_ticks();
                next_periodic_ = period != 0 ? sat_add(now, period) : no_event;
            }
            break;
        }
        case reg::b:
            // Setting SET clears UIE (data sheet, register B).
            cmos_[reg::b] = (value & b_bits::set) != 0 ? static_cast<std::uint8_t>(value & ~b_bits::uie) : value;
            break;
        case reg::c:
        case reg::d:
            break;  // read-only
        default:
            cmos_[index] = value;
            break;
    }
}

// Port 0x70 is write-only (reads float high); 0x71 reaches the register
// 0x70 selected. A wider access is a run of byte accesses, as the ISA bus
// splits it.
std::uint64_t Rtc::read(std::uint64_t offset, unsigned size) {
    std::uint64_t value = 0;
    for (unsigned i = 0; i < size && offset + i < port_count; ++i) {
        std::uint8_t byte = 0xff;
        if (offset + i == 1) {
            update();
            byte = peek(index_);
            if (index_ == reg::c) {
                cmos_[reg::c] = 0;  // reading C clears every flag, and the interrupt with them
                update_irq();
            }
        }
        value |= std::uint64_t{byte} << (8 * i);
    }
    return value;
}

Outcome Rtc::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
    for (unsigned i = 0; i < size && offset + i < port_count; ++i) {
        const auto byte = static_cast<std::uint8_t>(value >> (8 * i));
        if (offset + i == 0) {
            index_ = byte & index_mask;
            nmi_masked_ = (byte & nmi_disable) != 0;
        } else {
            update();
            write_register(index_, byte);
            update_irq();
        }
    }
    return Outcome::resume();
}

}  // namespace septum::vmm
