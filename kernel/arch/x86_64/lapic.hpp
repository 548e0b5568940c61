// The local APIC and its timer (SDM Vol. 3 chapter 11).
#pragma once

#include <cstdint>

namespace septum::arch::lapic {

inline constexpr std::uint8_t timer_vector = 0x30;

// Finds and enables the local APIC; false if the CPU has none or its
// registers are outside the direct map.
[[nodiscard]] bool init();

std::uint32_t id();
std::uint64_t base_phys();

// Periodic timer interrupts on timer_vector every `count` timer ticks
// (bus clock divided by 16).
void start_periodic(std::uint32_t count);
void stop();

// One interrupt on timer_vector: in TSC-deadline mode when the TSC reaches
// the value written to IA32_TSC_DEADLINE (SDM Vol. 3 11.5.4.1), or in
// one-shot mode after `count` timer ticks. Writing 0 disarms either.
void start_deadline_mode();
void start_one_shot_mode();
void set_one_shot(std::uint32_t count);
// The one-shot count left (what the timer has not yet counted down).
std::uint32_t current_count();

// Timer interrupts taken since boot.
std::uint64_t ticks();

void eoi();

}  // namespace septum::arch::lapic
