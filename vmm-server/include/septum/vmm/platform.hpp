// The PC a Linux guest is given, in one place: where each platform device
// sits and which ISA IRQ it raises. The MP table (mp_table.hpp) describes
// the same layout to the guest, and the local APIC model and the CPUID
// policy must agree with it.
#pragma once

#include <septum/abi/cell.hpp>

#include <cstdint>

namespace septum::vmm::pc {

inline constexpr std::uint8_t bsp_apic_id = 0;
// Where the root task puts the APIC-access page for APIC virtualization.
inline constexpr std::uint32_t local_apic_base = abi::apic_access_address;
// The local APIC model's version (its version register's bits 7:0): an
// integrated xAPIC, as on every processor since the Pentium 4.
inline constexpr std::uint8_t local_apic_version = 0x14;

inline constexpr std::uint8_t ioapic_id = 1;
inline constexpr std::uint32_t ioapic_base = 0xfec00000;
inline constexpr std::uint8_t ioapic_version = 0x20;
inline constexpr unsigned ioapic_pins = 24;

// ISA IRQs and the I/O APIC pins they reach. IRQ 0 (the PIT) and IRQ 2
// (the PIC cascade) are not wired: this PC has neither chip, and Linux
// then needs neither (it reads "Using NULL legacy PIC" and uses the local
// APIC timer).
struct IsaIrq {
    std::uint8_t irq;
    std::uint8_t pin;
};
inline constexpr IsaIrq isa_irqs[] = {{1, 1}, {3, 3},   {4, 4},   {5, 5},   {6, 6},   {7, 7},   {8, 8},
                                      {9, 9}, {10, 10}, {11, 11}, {12, 12}, {13, 13}, {14, 14}, {15, 15}};
inline constexpr unsigned isa_irq_count = sizeof isa_irqs / sizeof isa_irqs[0];

inline constexpr std::uint8_t com1_irq = 4;
inline constexpr std::uint8_t rtc_irq = 8;

// The MP floating pointer: the last KiB below 640 KiB, which Linux scans
// and reserves itself (reserve_bios_regions keeps [0x9F000, 1 MiB) when
// the BIOS data area says nothing). The Linux loaders' memory map
// (pc_memory_map) marks [0x9FC00, 1 MiB) reserved as well.
inline constexpr std::uint64_t mp_table_address = 0x9fc00;

}  // namespace septum::vmm::pc
