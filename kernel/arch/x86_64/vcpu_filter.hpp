// The filter between a VMM's VcpuState and the VMCS: the VM-entry checks
// the kernel makes on state a VMM supplies (SDM Vol. 3 26.2.1.3, 26.3.1),
// and the writes of the guest-state fields a mask names, and only those.
// Host state, the EPT pointer, the VPID and the execution controls are
// never written here; the kernel sets them once (vcpu_state.cpp).
//
// Portable: no instruction touches the machine. The VMCS is a parameter,
// so the kernel passes the real one (VMREAD/VMWRITE) and the host fuzzer
// (fuzz/kernel_vcpu_filter_fuzz.cpp) a fake that records every write; the
// VMM exit fuzzers check the state a VMM hands back with check_state.
#pragma once

#include <cstdint>

#include "septum/abi/vcpu.hpp"
#include "septum/caps/status.hpp"
#include "vmcs_fields.hpp"

namespace septum::arch::vcpu {

class VmcsAccess {
public:
    virtual bool write(vmcs::Field field, std::uint64_t value) = 0;
    [[nodiscard]] virtual std::uint64_t read(vmcs::Field field) const = 0;

protected:
    VmcsAccess() = default;
    VmcsAccess(const VmcsAccess&) = default;
    VmcsAccess& operator=(const VmcsAccess&) = default;
    ~VmcsAccess() = default;
};

// What this processor fixes (SDM Vol. 3 A.5, A.7, A.8): CR0/CR4 bits that
// must be 1 (fixed0) and may be 1 (fixed1), and the VM-entry controls that
// must be 1 (allowed0) and may be 1 (allowed1).
struct EntryLimits {
    std::uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    std::uint32_t entry_allowed0, entry_allowed1;
};

// A VM-execution control value: the desired bits plus those the processor
// requires, if it allows every desired bit (SDM Vol. 3 A.3-A.5).
constexpr bool adjust_control(std::uint32_t desired, std::uint32_t allowed0, std::uint32_t allowed1,
                              std::uint32_t& out) {
    out = (desired | allowed0) & allowed1;
    return (out & desired) == desired;
}

// Whether the parts of `s` in `mask` pass the kernel's entry checks;
// `protected_mode` is CR0.PE as the guest will run (the error-code rule
// of event injection depends on it).
Status check_state(const abi::VcpuState& s, std::uint64_t mask, const EntryLimits& limits, bool protected_mode);

// Checks the parts of `s` in `mask`, then writes them into `vmcs`; on any
// failure nothing is written. The XCR0 the VMM supplied comes back in
// `xcr0` (the guest's XSETBV exits to the VMM; the VMCS has no field).
Status load_state(VmcsAccess& vmcs, const EntryLimits& limits, const abi::VcpuState& s, std::uint64_t mask,
                  std::uint64_t& xcr0);

// Reads the parts in `mask` out of `vmcs`, as the guest sees them. The
// general registers and XCR0 are not in the VMCS; the caller fills them.
void store_state(const VmcsAccess& vmcs, abi::VcpuState& s, std::uint64_t mask);

}  // namespace septum::arch::vcpu
