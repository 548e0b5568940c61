// The legacy 8259 PICs: remapped away from the exception vectors and masked,
// since the kernel takes its interrupts through the local APIC.
#pragma once

namespace septum::arch::pic {

inline constexpr unsigned vector_base = 0x20;  // IRQ 0-15 -> 0x20-0x2f

void disable();

}  // namespace septum::arch::pic
