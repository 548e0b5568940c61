// The legacy 8259 PICs: remapped away from the exception vectors and masked,
// since the kernel takes its interrupts through the local APIC.
#pragma once

namespace septum::arch::pic {

inline constexpr unsigned vector_base = 0x20;  // IRQ 0-15 -> 0x20-0x2f

void disable();

inline constexpr unsigned line_count = 16;

// Per-line control for lines given to user space (IRQHandler capabilities).
void mask(unsigned line);
void unmask(unsigned line);
// End of interrupt for a line (both controllers for lines 8-15).
void eoi(unsigned line);

}  // namespace septum::arch::pic
