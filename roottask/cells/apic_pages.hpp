// A Linux cell's frames for the CPU's APIC virtualization (abi/cell.hpp:
// CellSlot::virtual_apic and apic_access): the virtual-APIC page, where
// the VMM keeps its local APIC's registers and the CPU reads and writes
// them, and the APIC-access page, which the CPU recognises at the
// guest's xAPIC address. The VMM decides whether to use them
// (vcpu_configure_apic): on a CPU without APIC virtualization they stay
// unused. description/need.cpp counts what they take.
#pragma once

#include "env.hpp"
#include "program.hpp"
#include "septum/abi/cell.hpp"

namespace septum::roottask {

// Makes both frames from env's pool: the virtual-APIC page mapped in the
// VMM at layout::vmm_apic_page, the APIC-access page in the guest memory
// `memory` at abi::apic_access_address (with an EPT page directory and
// page table of its own) if the CPU virtualizes APIC accesses (asked of
// the configured `vcpu`): without that, a page there would hide the
// VMM's emulated xAPIC from the guest. Gives the VMM both capabilities
// and sets info.apic_page.
Status make_apic_pages(Env& env, const Program& vmm, CPtr memory, CPtr vcpu, abi::CellInfo& info);

}  // namespace septum::roottask
