// VCPU objects and the VMCS: set-up, the guest state a VMM supplies
// (checked before entry), and the exits. The run invocation itself is in
// vcpu_run.cpp.
#include "vcpu.hpp"

#include "cpu.hpp"
#include "layout.hpp"
#include "vmcs.hpp"
#include "vmx.hpp"

namespace septum::arch::vcpu {

namespace {

std::uint16_t next_vpid = 1;
std::uint64_t current_vmcs = 0;

}  // namespace

Vcpu& at(std::uint64_t object) { return *phys_to_virt<Vcpu>(object + vcpu_offset); }

void created(std::uint64_t object) {
    // The VMCS region starts with the revision identifier (SDM Vol. 3 24.2);
    // the object is zeroed already.
    *phys_to_virt<std::uint32_t>(object + vmcs_offset) = vmx::revision();
    Vcpu& v = at(object);
    v.vpid = next_vpid;
    next_vpid = next_vpid == 0xffff ? 1 : static_cast<std::uint16_t>(next_vpid + 1);
}

void destroyed(std::uint64_t object) {
    if (vmx::is_on()) {
        (void)vmcs::vmclear(object + vmcs_offset);
    }
    if (current_vmcs == object + vmcs_offset) {
        current_vmcs = 0;
    }
}

bool make_current(std::uint64_t object) {
    const std::uint64_t region = object + vmcs_offset;
    if (current_vmcs == region) {
        return true;
    }
    const Vcpu& v = at(object);
    if (!v.initialised && !vmcs::vmclear(region)) {
        return false;  // a fresh VMCS starts clear: VMLAUNCH next
    }
    if (!vmcs::vmptrld(region)) {
        return false;
    }
    current_vmcs = region;
    return true;
}

}  // namespace septum::arch::vcpu
