// The MultiProcessor Specification 1.4 tables that tell an OS without ACPI
// where its local APIC and I/O APIC are and how the ISA interrupts reach
// the I/O APIC: a floating pointer structure in memory the OS scans,
// followed by the configuration table (one processor, the ISA bus, one I/O
// APIC, an entry per ISA IRQ a device can raise, LINT0/LINT1). Linux finds
// it with CONFIG_X86_MPPARSE; it scans, among others, the last KiB below
// 640 KiB, where pc::mp_table_address puts it.
#pragma once

#include <septum/caps/status.hpp>

#include <cstdint>

#include "guest_memory.hpp"
#include "platform.hpp"

namespace septum::vmm {

struct MpTableConfig {
    std::uint64_t address = pc::mp_table_address;  // 16-byte aligned; the whole table below 4 GiB
    std::uint32_t cpu_signature = 0;               // CPUID.1:EAX, as the guest reads it
    std::uint32_t cpu_features = 0;                // CPUID.1:EDX, as the guest reads it
    std::uint8_t local_apic_id = pc::bsp_apic_id;
    std::uint8_t local_apic_version = pc::local_apic_version;
    std::uint32_t local_apic_address = pc::local_apic_base;
    std::uint8_t ioapic_id = pc::ioapic_id;
    std::uint8_t ioapic_version = pc::ioapic_version;
    std::uint32_t ioapic_address = pc::ioapic_base;
};

// Size of what write_mp_table writes: the floating pointer (16 bytes) and
// the configuration table right after it.
inline constexpr std::uint64_t mp_table_size = 16 + 44 + 20 + 8 + 8 + 8 * (pc::isa_irq_count + 2);

// Writes the floating pointer at config.address and the configuration
// table after it, checksums filled in. Refuses a misaligned address, one
// whose table would cross 4 GiB (invalid_argument) or leave guest RAM
// (out_of_range); nothing is written then.
Status write_mp_table(GuestMemory& memory, const MpTableConfig& config);

}  // namespace septum::vmm
