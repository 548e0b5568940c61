// The APIC-virtualization fields a VMM supplies (abi::vcpu_state::apic,
// abi::ApicState): checked against the VCPU's features and written into
// the VMCS by the state filter (entry_checks.hpp), read back at an exit.
// Portable, like the filter: the VMCS is a parameter.
#pragma once

#include <cstdint>

#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vmcs_fields.hpp"

namespace septum::arch::vmx {

// The part needs the TPR shadow (a virtual-APIC page); the TPR threshold
// has only bits 3:0 (SDM Vol. 3C 26.2.1.1); the guest interrupt status
// and EOI-exit bitmap exist only with virtual-interrupt delivery, and
// without it must be 0 rather than be silently dropped.
inline Status check_apic(const abi::ApicState& a, std::uint32_t features) {
    if ((features & abi::apic_virt::tpr_shadow) == 0 || (a.tpr_threshold & ~0xfu) != 0 || a.reserved != 0) {
        return Status::invalid_argument;
    }
    if ((features & abi::apic_virt::interrupt_delivery) == 0 &&
        (a.rvi != 0 || a.svi != 0 || (a.eoi_exit[0] | a.eoi_exit[1] | a.eoi_exit[2] | a.eoi_exit[3]) != 0)) {
        return Status::invalid_argument;
    }
    return Status::ok;
}

inline constexpr vmcs::Field eoi_exit_fields[4] = {vmcs::Field::eoi_exit_bitmap_0, vmcs::Field::eoi_exit_bitmap_1,
                                                   vmcs::Field::eoi_exit_bitmap_2, vmcs::Field::eoi_exit_bitmap_3};

template <class Vmcs>
bool write_apic(Vmcs& vmcs, const abi::ApicState& a, std::uint32_t features) {
    bool ok = vmcs.write(vmcs::Field::tpr_threshold, a.tpr_threshold);
    if ((features & abi::apic_virt::interrupt_delivery) == 0) {
        return ok;
    }
    ok = vmcs.write(vmcs::Field::guest_interrupt_status, std::uint64_t{a.svi} << 8 | a.rvi) && ok;
    for (unsigned i = 0; i < 4; ++i) {
        ok = vmcs.write(eoi_exit_fields[i], a.eoi_exit[i]) && ok;
    }
    return ok;
}

// What the VMCS holds (zeros for what the features do not have).
template <class Vmcs>
void store_apic(const Vmcs& vmcs, abi::ApicState& a, std::uint32_t features) {
    a = abi::ApicState{};
    if ((features & abi::apic_virt::tpr_shadow) == 0) {
        return;
    }
    a.tpr_threshold = static_cast<std::uint32_t>(vmcs.read(vmcs::Field::tpr_threshold));
    if ((features & abi::apic_virt::interrupt_delivery) == 0) {
        return;
    }
    const std::uint64_t status = vmcs.read(vmcs::Field::guest_interrupt_status);
    a.rvi = static_cast<std::uint8_t>(status);
    a.svi = static_cast<std::uint8_t>(status >> 8);
    for (unsigned i = 0; i < 4; ++i) {
        a.eoi_exit[i] = vmcs.read(eoi_exit_fields[i]);
    }
}

}  // namespace septum::arch::vmx
