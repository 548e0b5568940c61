// What the VMM asks the kernel for at each exit (state_needed): the short
// lists still hold what their handlers read and edit, and everything else
// brings the whole state.
#include <gtest/gtest.h>

#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>

namespace septum::vmm {
namespace {

namespace vs = abi::vcpu_state;
constexpr std::uint64_t every_exit = vs::gprs | vs::rsp_rip_rflags | vs::interruptibility;

std::uint64_t needed(abi::VmxExit r) { return state_needed(static_cast<std::uint32_t>(r)); }

TEST(StateNeeded, EveryExitBringsRegistersAndInterruptibility) {
    for (std::uint32_t r = 0; r < 0x10000; ++r) {
        ASSERT_EQ(state_needed(r) & every_exit, every_exit) << r;
        ASSERT_EQ(state_needed(r) & vs::injection, 0u) << r;  // supply-only
    }
}

TEST(StateNeeded, ShortListsHoldWhatTheirHandlersUse) {
    EXPECT_EQ(needed(abi::VmxExit::cpuid), every_exit);  // leaf 1 fetches CR4 itself (cpuid_test)
    for (const auto r : {abi::VmxExit::rdmsr, abi::VmxExit::wrmsr}) {
        EXPECT_EQ(needed(r) & (vs::control | vs::segments), vs::control | vs::segments);
    }
    // Port I/O: paging for string I/O, which fetches the segments itself (io_test).
    EXPECT_NE(needed(abi::VmxExit::io_instruction) & vs::control, 0u);
}

TEST(StateNeeded, EverythingElseBringsAll) {
    for (const auto r : {abi::VmxExit::ept_violation, abi::VmxExit::cr_access, abi::VmxExit::triple_fault,
                         abi::VmxExit::exception_or_nmi, abi::VmxExit::vmcall, abi::VmxExit::xsetbv}) {
        EXPECT_EQ(needed(r), vs::stored);
    }
    EXPECT_EQ(state_needed(abi::max_known_vmx_exit + 1), vs::stored);
    EXPECT_EQ(state_needed(abi::ExitReason::basic_mask), vs::stored);
}

TEST(StateNeeded, TheTableMatches) {
    abi::VcpuPage page{};
    set_state_needed(page);
    for (std::uint32_t r = 0; r < abi::want_table_size; ++r) {
        EXPECT_EQ(page.want_by_reason[r], state_needed(r)) << r;
    }
}

}  // namespace
}  // namespace septum::vmm
