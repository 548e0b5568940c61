// Which of the CPU's APIC-virtualization features (abi::apic_virt) the
// VMM uses for a guest's xAPIC, of those the kernel says the CPU offers
// (vcpu_configure_apic). The model's register page (LocalApic's ApicPage)
// becomes the virtual-APIC page; docs/vmm-server.md, "Local APIC".
#pragma once

#include <septum/abi/vcpu.hpp>

#include <cstdint>

namespace septum::vmm {

// Without APIC-access virtualization the root task maps nothing at the
// xAPIC's address and every access exits as an EPT violation (the
// software path). The TPR shadow only comes with virtual-interrupt
// delivery, which keeps the priorities in the page current; without it,
// APIC-access virtualization alone makes every access exit (APIC access)
// to the same emulation. APIC-register virtualization is used where
// offered: it lets most reads through and turns writes into APIC-write
// exits after the fact.
constexpr std::uint32_t xapic_features(std::uint32_t offered) {
    namespace av = abi::apic_virt;
    if ((offered & av::apic_accesses) == 0) {
        return 0;
    }
    if ((offered & (av::tpr_shadow | av::interrupt_delivery)) != (av::tpr_shadow | av::interrupt_delivery)) {
        return av::apic_accesses;
    }
    return offered & (av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery);
}

}  // namespace septum::vmm
