#include "clock.hpp"

#include "lapic.hpp"

namespace septum::arch::clock {

namespace {

constexpr std::uint64_t pit_hz = 1'193'182;
constexpr std::uint64_t calibration_ms = 10;
constexpr std::uint16_t port_pit_channel2 = 0x42;
constexpr std::uint16_t port_pit_command = 0x43;
constexpr std::uint16_t port_system_control = 0x61;
constexpr std::uint8_t gate2 = 1u << 0;
constexpr std::uint8_t speaker = 1u << 1;
constexpr std::uint8_t out2 = 1u << 5;
constexpr std::uint32_t cpuid1_ecx_tsc_deadline = 1u << 24;
// When the PIT does not answer: the rate of Bochs at its default ips.
constexpr std::uint64_t fallback_khz = 50'000;

std::uint64_t khz = fallback_khz;
// One-shot mode: APIC timer counts per 2^32 TSC cycles.
std::uint64_t apic_per_tsc_2_32 = std::uint64_t{1} << 28;
bool tsc_deadline = false;

}  // namespace

bool calibrate() {
    tsc_deadline = (cpuid(1).ecx & cpuid1_ecx_tsc_deadline) != 0;
    // Channel 2 in mode 0 (interrupt on terminal count) counts down once
    // its gate is high; its output shows in port 0x61 bit 5 when it ends.
    constexpr std::uint64_t latch = pit_hz * calibration_ms / 1000;
    outb(port_system_control, static_cast<std::uint8_t>((inb(port_system_control) & ~speaker) | gate2));
    outb(port_pit_command, 0xb0);  // channel 2, low then high byte, mode 0, binary
    outb(port_pit_channel2, static_cast<std::uint8_t>(latch & 0xff));
    outb(port_pit_channel2, static_cast<std::uint8_t>(latch >> 8));
    constexpr std::uint32_t apic_start = 0xffffffffu;
    lapic::start_one_shot_mode();
    lapic::set_one_shot(apic_start);
    const std::uint64_t begin = rdtsc();
    // Bounded, so that a machine without a PIT boots on the guess.
    constexpr std::uint64_t max_spins = 100'000'000;
    std::uint64_t spins = 0;
    while ((inb(port_system_control) & out2) == 0 && ++spins < max_spins) {
    }
    const std::uint64_t cycles = rdtsc() - begin;
    const std::uint64_t apic_left = lapic::current_count();
    const std::uint64_t counted = apic_start - apic_left;
    lapic::set_one_shot(0);
    if (spins >= max_spins || cycles < calibration_ms) {
        return false;
    }
    khz = cycles / calibration_ms;
    apic_per_tsc_2_32 = (counted << 32) / cycles;
    return true;
}

std::uint64_t tsc_khz() { return khz; }
bool deadline_mode() { return tsc_deadline; }

void start() {
    if (tsc_deadline) {
        lapic::start_deadline_mode();
    } else {
        lapic::start_one_shot_mode();
    }
}

void arm(std::uint64_t deadline) {
    if (tsc_deadline) {
        // 0 would disarm: a deadline already past becomes "now".
        wrmsr(Msr::tsc_deadline, deadline == ~std::uint64_t{0} ? 0 : (deadline == 0 ? 1 : deadline));
        return;
    }
    if (deadline == ~std::uint64_t{0}) {
        lapic::set_one_shot(0);
        return;
    }
    const std::uint64_t t = rdtsc();
    const std::uint64_t cycles = deadline > t ? deadline - t : 0;
    // 128-bit product: cycles can be large when the deadline is far.
    const auto counts = static_cast<std::uint64_t>((static_cast<unsigned __int128>(cycles) * apic_per_tsc_2_32) >> 32);
    lapic::set_one_shot(counts == 0 ? 1 : (counts > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(counts)));
}

}  // namespace septum::arch::clock
