// The GDT and the TSS. Selector layout follows what SYSCALL/SYSRET need
// (SDM Vol. 2 SYSRET: user SS = STAR[63:48]+8, user CS = STAR[63:48]+16).
#pragma once

#include <cstdint>

namespace septum::arch {

namespace selector {
inline constexpr std::uint16_t kernel_code = 0x08;
inline constexpr std::uint16_t kernel_data = 0x10;
inline constexpr std::uint16_t user_data = 0x18 | 3;
inline constexpr std::uint16_t user_code = 0x20 | 3;
inline constexpr std::uint16_t tss = 0x28;
}  // namespace selector

// Interrupt stack table slots (1-based, as the IDT gate encodes them).
enum class Ist : std::uint8_t { none = 0, double_fault = 1, nmi = 2, machine_check = 3 };

void gdt_init();

// Where the descriptor tables are, for the VMCS host-state area.
std::uint64_t gdt_base();
std::uint64_t tss_base();

}  // namespace septum::arch
