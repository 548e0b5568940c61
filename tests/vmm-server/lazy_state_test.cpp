// Parts of the state an exit does not bring back are an older exit's: a
// handler that needs them fetches them (found by the exit fuzzers, whose
// fake kernel poisons those parts).
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

namespace vs = abi::vcpu_state;

// The kernel's side: stores the true state's parts on request.
struct TrueState final : StateSource {
    abi::VcpuPage& page;
    abi::VcpuState truth;
    std::uint64_t asked = 0;
    TrueState(abi::VcpuPage& p, const abi::VcpuState& t) : page{p}, truth{t} {}
    bool read(std::uint64_t mask) override {
        asked |= mask;
        if ((mask & vs::control) != 0) {
            page.state.cr0 = truth.cr0, page.state.cr3 = truth.cr3, page.state.cr4 = truth.cr4;
            page.state.efer = truth.efer;
        }
        if ((mask & vs::segments) != 0) {
            page.state.cs = truth.cs, page.state.ss = truth.ss;
        }
        return true;
    }
};

// A guest that went from compatibility mode to 64-bit code with a far
// jump (no exit): the VMM's copy of CS still says 32-bit.
TEST_F(VmmTest, AdvancePastFourGiBFetchesTheMode) {
    abi::VcpuState truth = long_mode_state();
    truth.rip = 0xfffffffe;
    page.state = truth;
    page.state.cs.access_rights = 0xc09b;  // stale: 32-bit code
    TrueState kernel{page, truth};
    vcpu.set_source(&kernel);
    vcpu.arrived(vs::gprs | vs::rsp_rip_rflags | vs::interruptibility);
    vcpu.advance(4);
    EXPECT_EQ(page.state.rip, 0x100000002u);
    EXPECT_EQ(kernel.asked & (vs::control | vs::segments), vs::control | vs::segments);
}

TEST_F(VmmTest, AdvanceBelowFourGiBNeedsNoMode) {
    page.state = protected_mode_state();
    page.state.rip = 0x1000;
    TrueState kernel{page, page.state};
    vcpu.set_source(&kernel);
    vcpu.arrived(vs::gprs | vs::rsp_rip_rflags | vs::interruptibility);
    vcpu.advance(2);
    EXPECT_EQ(page.state.rip, 0x1002u);
    EXPECT_EQ(kernel.asked, 0u);
}

TEST_F(VmmTest, AdvanceWrapsThirtyTwoBitCodeWithTheFetchedMode) {
    abi::VcpuState truth = protected_mode_state();
    truth.rip = 0xfffffffe;
    page.state = truth;
    page.state.cr0 = long_mode_state().cr0, page.state.efer = long_mode_state().efer;  // stale: IA-32e
    page.state.cs = long_mode_state().cs;
    TrueState kernel{page, truth};
    vcpu.set_source(&kernel);
    vcpu.arrived(vs::gprs | vs::rsp_rip_rflags | vs::interruptibility);
    vcpu.advance(4);
    EXPECT_EQ(page.state.rip, 2u);
}

// A kernel that cannot give the mode: the VMM stops the guest rather
// than guess whether RIP wraps.
TEST_F(VmmTest, AFetchThatFailsStopsTheGuest) {
    struct Refusing final : StateSource {
        bool read(std::uint64_t) override { return false; }
    } kernel;
    page.state = long_mode_state();
    page.state.rip = 0xfffffffe;
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::cpuid), 0, 2);
    vcpu.set_source(&kernel);
    vcpu.arrived(vs::gprs | vs::rsp_rip_rflags | vs::interruptibility);
    const Outcome o = handle_exit(guest, vcpu, memory);
    EXPECT_EQ(o.action, Action::stop);
    EXPECT_EQ(o.reason, StopReason::emulation_failure);
}

}  // namespace
}  // namespace septum::vmm::testing
