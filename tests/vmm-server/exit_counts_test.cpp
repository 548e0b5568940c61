// Exits counted by reason (vmm/exit_counts.hpp): every run return lands in
// exactly one bucket, and the written lines name each bucket that counted.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit_counts.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

std::uint32_t reason(abi::VmxExit e) { return static_cast<std::uint32_t>(e); }

TEST(ExitCounts, EachReturnLandsInItsBucket) {
    ExitCounts c;
    c.count(reason(abi::VmxExit::hlt));
    c.count(reason(abi::VmxExit::hlt));
    c.count(reason(abi::VmxExit::wrmsr));
    c.count(abi::exit_reason_signal);
    c.count(abi::exit_reason_deadline);
    c.count(abi::exit_reason_deadline);
    c.count(abi::ExitReason::entry_failure(abi::VmxExit::entry_invalid_guest_state).raw);
    c.count(abi::max_known_vmx_exit + 1);
    c.count(0xffff);
    EXPECT_EQ(c.of(reason(abi::VmxExit::hlt)), 2u);
    EXPECT_EQ(c.of(reason(abi::VmxExit::wrmsr)), 1u);
    EXPECT_EQ(c.of(ExitCounts::signal), 1u);
    EXPECT_EQ(c.of(ExitCounts::deadline), 2u);
    EXPECT_EQ(c.of(reason(abi::VmxExit::entry_invalid_guest_state)), 1u);
    EXPECT_EQ(c.of(ExitCounts::unknown), 2u);
    EXPECT_EQ(c.of(ExitCounts::buckets), 0u);  // out of range reads nothing
    EXPECT_EQ(c.total(), 9u);
}

TEST(ExitCounts, EveryReturnHasABucketInRange) {
    for (std::uint32_t r :
         {0u, 69u, 70u, 0xffffu, 0x80000021u, abi::exit_reason_signal, abi::exit_reason_deadline, 0xffffffffu}) {
        EXPECT_LT(ExitCounts::bucket(r), ExitCounts::buckets) << r;
    }
}

TEST(ExitCounts, NamesAreTheTablesIdentifiers) {
    EXPECT_STREQ(ExitCounts::name(reason(abi::VmxExit::hlt)), "hlt");
    EXPECT_STREQ(ExitCounts::name(reason(abi::VmxExit::apic_access)), "apic_access");
    EXPECT_STREQ(ExitCounts::name(ExitCounts::deadline), "deadline");
    EXPECT_EQ(ExitCounts::name(35), nullptr);  // the SDM has no basic reason 35
}

TEST(ExitCounts, WriteNamesEachCountedBucketThenTheTotal) {
    ExitCounts c;
    c.count(reason(abi::VmxExit::io_instruction));
    c.count(reason(abi::VmxExit::hlt));
    c.count(reason(abi::VmxExit::hlt));
    c.count(35);
    c.count(abi::exit_reason_deadline);
    StringConsole out;
    c.write(out, "idle");
    EXPECT_EQ(out.out,
              "vmm: exits idle hlt 2\n"
              "vmm: exits idle io_instruction 1\n"
              "vmm: exits idle reason-35 1\n"
              "vmm: exits idle deadline 1\n"
              "vmm: exits idle total 5\n");
    StringConsole untagged;
    ExitCounts{}.write(untagged, "");
    EXPECT_EQ(untagged.out, "vmm: exits total 0\n");
}

}  // namespace
}  // namespace septum::vmm::testing
