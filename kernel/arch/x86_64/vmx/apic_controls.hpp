// The CPU's APIC virtualization as VM-execution controls (SDM Vol. 3C
// chapter 29): which of abi::apic_virt's features this processor offers,
// the controls a set of them turns on, and the MSR bitmap that lets the
// x2APIC MSRs they virtualize through without an exit. Portable: no
// instruction here, so the host tests check the same code the kernel runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "septum/abi/vcpu.hpp"
#include "vmcs_fields.hpp"

namespace septum::arch::vmx {

// The features the processor offers, from the allowed-1 bits of its
// primary and secondary processor-based controls (SDM Vol. 3D A.3.2,
// A.3.3). x2APIC virtualization also needs MSR bitmaps, without which
// every MSR access exits and it would virtualize nothing.
constexpr std::uint32_t apic_offered(std::uint32_t proc_allowed1, std::uint32_t proc2_allowed1) {
    namespace av = abi::apic_virt;
    const bool secondary = (proc_allowed1 & vmcs::proc::secondary_controls) != 0;
    const std::uint32_t p2 = secondary ? proc2_allowed1 : 0;
    std::uint32_t f = 0;
    f |= (proc_allowed1 & vmcs::proc::use_tpr_shadow) != 0 ? av::tpr_shadow : 0;
    f |= (p2 & vmcs::proc2::virtualize_apic_accesses) != 0 ? av::apic_accesses : 0;
    f |= (p2 & vmcs::proc2::virtualize_x2apic_mode) != 0 && (proc_allowed1 & vmcs::proc::use_msr_bitmaps) != 0
             ? av::x2apic_mode
             : 0;
    f |= (p2 & vmcs::proc2::apic_register_virtualization) != 0 ? av::register_virtualization : 0;
    f |= (p2 & vmcs::proc2::virtual_interrupt_delivery) != 0 ? av::interrupt_delivery : 0;
    return f;
}

// The controls for `features` (valid ones: abi::apic_virt::valid). Without
// the TPR shadow, MOV to and from CR8 exit: the guest never reaches the
// host's own TPR (SDM Vol. 3C 26.1.3).
struct ApicControls {
    std::uint32_t proc, proc2;
};
constexpr ApicControls apic_controls(std::uint32_t features) {
    namespace av = abi::apic_virt;
    ApicControls c{0, 0};
    c.proc = (features & av::tpr_shadow) != 0 ? vmcs::proc::use_tpr_shadow
                                              : vmcs::proc::cr8_load_exiting | vmcs::proc::cr8_store_exiting;
    c.proc |= (features & av::x2apic_mode) != 0 ? vmcs::proc::use_msr_bitmaps : 0;
    c.proc2 |= (features & av::apic_accesses) != 0 ? vmcs::proc2::virtualize_apic_accesses : 0;
    c.proc2 |= (features & av::x2apic_mode) != 0 ? vmcs::proc2::virtualize_x2apic_mode : 0;
    c.proc2 |= (features & av::register_virtualization) != 0 ? vmcs::proc2::apic_register_virtualization : 0;
    c.proc2 |= (features & av::interrupt_delivery) != 0 ? vmcs::proc2::virtual_interrupt_delivery : 0;
    return c;
}

// The MSR bitmap (SDM Vol. 3C 25.6.9): four 1 KiB maps (reads of MSRs
// 0-0x1FFF, reads of 0xC0000000-0xC0001FFF, then writes of each), a set bit
// exits. Everything exits but the x2APIC MSRs the features virtualize
// (29.5): reads of 0x800-0x8FF with APIC-register virtualization; writes
// of TPR (0x808), EOI (0x80B) and SELF IPI (0x83F) with virtual-interrupt
// delivery. Only used with x2APIC virtualization, which sends these to the
// virtual-APIC page, never to the real APIC.
inline constexpr std::size_t msr_bitmap_size = 4096;
inline constexpr std::uint32_t x2apic_tpr_msr = 0x808, x2apic_eoi_msr = 0x80b, x2apic_self_ipi_msr = 0x83f;
inline void fill_msr_bitmap(std::uint8_t* bitmap, std::uint32_t features) {
    constexpr std::size_t read_low = 0, write_low = 2048;
    for (std::size_t i = 0; i < msr_bitmap_size; ++i) {
        bitmap[i] = 0xff;
    }
    const auto pass = [bitmap](std::size_t base, std::uint32_t msr) {
        bitmap[base + msr / 8] = static_cast<std::uint8_t>(bitmap[base + msr / 8] & ~(1u << (msr % 8)));
    };
    if ((features & abi::apic_virt::register_virtualization) != 0) {
        for (std::uint32_t msr = 0x800; msr <= 0x8ff; ++msr) {
            pass(read_low, msr);
        }
    }
    if ((features & abi::apic_virt::interrupt_delivery) != 0) {
        pass(write_low, x2apic_tpr_msr);
        pass(write_low, x2apic_eoi_msr);
        pass(write_low, x2apic_self_ipi_msr);
    }
}

// Whether the bitmap lets MSR `msr` be read (write: written) without an
// exit; the host tests' oracle.
constexpr bool msr_passes(const std::uint8_t* bitmap, std::uint32_t msr, bool write) {
    std::size_t base = write ? 2048 : 0;
    if (msr >= 0xc0000000u && msr <= 0xc0001fffu) {
        base += 1024;
        msr -= 0xc0000000u;
    } else if (msr > 0x1fff) {
        return false;  // outside both ranges: always exits
    }
    return (bitmap[base + msr / 8] >> (msr % 8) & 1) == 0;
}

}  // namespace septum::arch::vmx
