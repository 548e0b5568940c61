// The CMOS RTC of a PC (MC146818A and its successors) at ports 0x70
// (index; bit 7 masks NMIs) and 0x71 (data): the time and date in BCD or
// binary, 12- or 24-hour, as register B says; the update-in-progress bit
// as the chip shows it, set for the 2,228 µs before each second's update
// completes (244 µs of warning and the 1,984 µs update cycle at 32.768
// kHz), so that software waiting for it waits no longer than on hardware;
// the update, alarm and periodic flags and their interrupt (ISA IRQ 8);
// and 114 bytes of CMOS memory. Freescale MC146818A data sheet; register
// layout as on PCs (century at 0x32).
//
// Time runs on the TSC: the VMM gives the TSC's rate and the wall-clock
// time at construction. The registers are brought up to date lazily at
// each access; for interrupts the VMM asks next_event() when the next one
// is due and calls update() then.
#pragma once

#include <septum/lib/calendar.hpp>
#include <septum/lib/cmos_clock.hpp>

#include <cstdint>

#include "bus.hpp"
#include "interrupts.hpp"
#include "msr.hpp"

namespace septum::vmm {

class Rtc final : public Device {
public:
    static constexpr std::uint16_t base_port = 0x70;
    static constexpr std::uint64_t port_count = 2;
    static constexpr std::uint8_t century_register = cmos::reg::century;
    static constexpr std::uint64_t no_event = ~std::uint64_t{0};

    // `unix_seconds`: UTC seconds since 1970 at the clock's present TSC
    // (held to the year 9999). `tsc_khz` of 0 stops the clock: it keeps
    // the time it was given and never shows an update in progress.
    Rtc(const Clock& clock, std::uint32_t tsc_khz, std::uint64_t unix_seconds, IrqLine irq = {});

    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
    // The chip's RESET: interrupt enables and flags clear, the NMI mask
    // and index back; time, date, register A and memory survive.
    void reset() override;

    // Brings the time, the flags and the IRQ line up to the present.
    void update();
    // The TSC at which an interrupt the guest enabled next becomes due, or
    // no_event (none enabled, or the IRQ line already up).
    [[nodiscard]] std::uint64_t next_event() const;

    [[nodiscard]] bool nmi_masked() const { return nmi_masked_; }
    [[nodiscard]] bool irq_asserted() const { return irq_level_; }
    // The time and date the registers hold, when they hold a valid one.
    [[nodiscard]] bool time(calendar::DateTime& out) const;
    // A register as the guest would read it, without a read's side effects.
    [[nodiscard]] std::uint8_t peek(std::uint8_t index) const;

private:
    [[nodiscard]] bool dividing() const;  // the divider chain runs (register A)
    [[nodiscard]] bool updating() const;  // dividing, and SET clear (register B)
    [[nodiscard]] bool update_in_progress() const;
    [[nodiscard]] std::uint64_t periodic_ticks() const;  // 0: no periodic flag
    [[nodiscard]] std::uint8_t flags_raised() const;     // flags whose interrupt is enabled

    void set_time(std::uint64_t seconds);  // since 0001-01-01, in the current format
    void advance(std::uint64_t seconds);   // `seconds` updates in a row
    void write_register(std::uint8_t index, std::uint8_t value);
    void update_irq();

    const Clock& clock_;
    std::uint64_t tsc_hz_;
    IrqLine irq_;
    std::uint8_t cmos_[128] = {};
    std::uint8_t index_ = 0;
    bool nmi_masked_ = false;
    std::uint64_t next_update_ = no_event;    // TSC at which the next update completes
    std::uint64_t next_periodic_ = no_event;  // TSC of the next periodic flag
    bool irq_level_ = false;
};

}  // namespace septum::vmm
