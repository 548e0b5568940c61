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

// Timer interrupts taken since boot.
std::uint64_t ticks();

void eoi();

}  // namespace septum::arch::lapic
