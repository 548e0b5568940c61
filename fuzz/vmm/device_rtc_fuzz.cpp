// The RTC fuzzer: any TSC rate and starting time, the clock moving by
// small and large steps (now and then backwards), port accesses of any
// width, update() and resets in any order. Beyond the register invariants:
// next_event() is exact (a copy of the RTC brought to one tick before it
// raises nothing, at it raises the line); a valid time the guest leaves
// alone never runs backwards and runs no faster than the clock; the line
// changes only when its level does.
#include <septum/vmm/rtc.hpp>

#include <cstdint>

#include "device_fuzz.hpp"
#include "device_oracles.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {
namespace {

struct Line final : vmm::InterruptLines {
    bool level = false;
    bool probing = false;  // a copy of the RTC drives it: not the real line
    void set_line(unsigned line, bool asserted) override {
        if (probing) {
            return;
        }
        if (line != 8 || asserted == level) {
            violated("RTC drove line %u to %u, already there", line, asserted);
        }
        level = asserted;
    }
};

void check_next_event(const vmm::Rtc& rtc, SetClock& clock, Line& line) {
    const std::uint64_t due = rtc.next_event();
    if (due == vmm::Rtc::no_event) {
        return;
    }
    const std::uint64_t now = clock.now;
    line.probing = true;
    if (due > now) {
        vmm::Rtc early = rtc;
        clock.now = due - 1;
        early.update();
        if (early.irq_asserted()) {
            violated("the RTC interrupt came before its event at %#llx", static_cast<unsigned long long>(due));
        }
    }
    vmm::Rtc on_time = rtc;
    clock.now = due > now ? due : now;
    on_time.update();
    if (!on_time.irq_asserted()) {
        violated("no RTC interrupt at its event %#llx", static_cast<unsigned long long>(due));
    }
    clock.now = now;
    line.probing = false;
}

std::uint64_t seconds_of(const vmm::Rtc& rtc, bool& valid) {
    calendar::DateTime t{};
    valid = rtc.time(t);
    return valid ? calendar::to_seconds(t) : 0;
}

// Registers whose writes change the time or how it runs.
bool touches_time(std::uint8_t index) { return index <= 0x0b || index == vmm::Rtc::century_register; }

}  // namespace
}  // namespace septum::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    SetClock clock;
    clock.now = source.value();
    const std::uint32_t khz = source.one_in(4) ? source.u32() : 1 + source.u16();
    Line line;
    vmm::Rtc rtc{clock, khz, source.value(), vmm::IrqLine{&line, 8}};
    const std::uint64_t hz = std::uint64_t{khz} * 1000;
    bool valid = false;
    std::uint64_t seen = seconds_of(rtc, valid), seen_at = clock.now;
    std::uint8_t index = 0;
    for (unsigned op = 0; op < 2048 && !source.empty(); ++op) {
        bool moved = false;  // the guest or a reset changed the time, or the clock went back
        switch (source.u8() % 8) {
            case 0: {
                const std::uint8_t step = source.u8();
                const std::uint64_t by = step < 200 ? step * (hz / 200 + 1) : source.value();
                if (step == 255 && source.one_in(4)) {
                    clock.now -= by;
                    moved = true;
                } else {
                    clock.now += by;
                    moved = clock.now < by;  // wrapped
                }
                break;
            }
            case 1:
            case 2: {
                const std::uint8_t byte = source.u8();
                if (rtc.write(0, 1, byte) != vmm::Outcome::resume()) {
                    violated("an RTC write did not resume");
                }
                index = byte & 0x7f;
                if (rtc.nmi_masked() != ((byte & 0x80) != 0)) {
                    violated("NMI mask does not follow bit 7");
                }
                break;
            }
            case 3: {
                moved = touches_time(index);
                (void)rtc.write(1, 1, source.u8());
                break;
            }
            case 4:
                if (rtc.read(source.u8() % 2, 1) > 0xff) {
                    violated("an RTC port read more than a byte");
                }
                break;
            case 5: {
                const unsigned width = source.one_in(2) ? 2 : 4;  // from port 0x70: both ports
                const std::uint64_t value = source.value();
                if (source.one_in(2)) {
                    moved = true;
                    (void)rtc.write(0, width, value);
                    index = static_cast<std::uint8_t>(value & 0x7f);
                } else {
                    (void)rtc.read(0, width);
                }
                break;
            }
            case 6:
                rtc.update();
                break;
            default:
                if (source.one_in(4)) {
                    rtc.reset();
                    index = 0;
                    moved = true;  // register B's enables change nothing of the time, but be plain
                }
                break;
        }
        check_rtc(rtc);
        if (line.level != rtc.irq_asserted()) {
            violated("the line is %u, the RTC says %u", line.level, rtc.irq_asserted());
        }
        check_next_event(rtc, clock, line);
        rtc.update();
        bool now_valid = false;
        const std::uint64_t now = seconds_of(rtc, now_valid);
        if (!moved && valid && now_valid && now != calendar::max_seconds) {
            const std::uint64_t elapsed = clock.now - seen_at;
            if (now < seen || (hz != 0 && now - seen > elapsed / hz + 1) || (hz == 0 && now != seen)) {
                violated("the time went from %llu to %llu in %llu ticks", static_cast<unsigned long long>(seen),
                         static_cast<unsigned long long>(now), static_cast<unsigned long long>(elapsed));
            }
        }
        valid = now_valid;
        seen = now;
        seen_at = clock.now;
    }
    return 0;
}
