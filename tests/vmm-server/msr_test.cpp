#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using x86::Msr;

constexpr std::uint32_t idx(Msr m) { return static_cast<std::uint32_t>(m); }

class MsrTest : public VmmTest {
protected:
    Result<std::uint64_t> rd(Msr m) { return read_msr(guest.msr_context(), vcpu, idx(m)); }
    Status wr(Msr m, std::uint64_t v) { return write_msr(guest.msr_context(), vcpu, idx(m), v); }
};

TEST_F(MsrTest, UnknownMsrsAreRefused) {
    for (std::uint32_t index : {0x0u, 0x3au, 0x48u, 0x8bu, 0x1d9u, 0x200u, 0x480u, 0x800u, 0xc0000103u, 0xffffffffu}) {
        EXPECT_EQ(read_msr(guest.msr_context(), vcpu, index).status(), Status::invalid_argument) << index;
        EXPECT_EQ(write_msr(guest.msr_context(), vcpu, index, 0), Status::invalid_argument) << index;
    }
}

TEST_F(MsrTest, SyscallMsrsRoundTrip) {
    EXPECT_EQ(wr(Msr::star, 0x0023001000000000), Status::ok);
    EXPECT_EQ(wr(Msr::lstar, 0xffffffff81000000), Status::ok);
    EXPECT_EQ(wr(Msr::cstar, 0xffffffff81000100), Status::ok);
    EXPECT_EQ(wr(Msr::sfmask, 0x47700), Status::ok);
    EXPECT_EQ(wr(Msr::kernel_gs_base, 0xffff888000000000), Status::ok);
    EXPECT_EQ(rd(Msr::star).value(), 0x0023001000000000u);
    EXPECT_EQ(rd(Msr::lstar).value(), 0xffffffff81000000u);
    EXPECT_EQ(rd(Msr::cstar).value(), 0xffffffff81000100u);
    EXPECT_EQ(rd(Msr::sfmask).value(), 0x47700u);
    EXPECT_EQ(rd(Msr::kernel_gs_base).value(), 0xffff888000000000u);
    EXPECT_TRUE(guest.msrs.changed);
    // What goes to the CPU is what the guest wrote.
    const abi::GuestMsrs h = hardware_msrs(guest.msrs);
    EXPECT_EQ(h.star, 0x0023001000000000u);
    EXPECT_EQ(h.lstar, 0xffffffff81000000u);
    EXPECT_EQ(h.cstar, 0xffffffff81000100u);
    EXPECT_EQ(h.sfmask, 0x47700u);
    EXPECT_EQ(h.kernel_gs_base, 0xffff888000000000u);
    EXPECT_EQ(h.pat, guest.msrs.pat);
}

TEST_F(MsrTest, SwapgsIsTakenFromTheCpu) {
    abi::GuestMsrs stored = hardware_msrs(guest.msrs);
    stored.kernel_gs_base = 0xffff888000001000;  // the guest ran SWAPGS
    stored.lstar = 0x1234;                       // anything else the CPU stored is not taken
    take_hardware_msrs(guest.msrs, stored);
    EXPECT_EQ(rd(Msr::kernel_gs_base).value(), 0xffff888000001000u);
    EXPECT_EQ(rd(Msr::lstar).value(), 0u);
}

TEST_F(MsrTest, NonCanonicalAndReservedValuesAreRefused) {
    EXPECT_EQ(wr(Msr::lstar, 0x0000800000000000), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::kernel_gs_base, 0x8000000000000000), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::sysenter_eip, 0x0001000000000000), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::sfmask, 1ull << 32), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::sysenter_cs, 1ull << 40), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::fs_base, 0x0000900000000000), Status::invalid_argument);
    EXPECT_EQ(rd(Msr::lstar).value(), 0u);
}

TEST_F(MsrTest, SysenterAndSegmentBases) {
    EXPECT_EQ(wr(Msr::sysenter_cs, 0x10), Status::ok);
    EXPECT_EQ(wr(Msr::sysenter_esp, 0x8000), Status::ok);
    EXPECT_EQ(wr(Msr::sysenter_eip, 0x1000), Status::ok);
    EXPECT_EQ(rd(Msr::sysenter_cs).value(), 0x10u);
    EXPECT_EQ(rd(Msr::sysenter_esp).value(), 0x8000u);
    EXPECT_EQ(rd(Msr::sysenter_eip).value(), 0x1000u);
    EXPECT_EQ(wr(Msr::gs_base, 0x5000), Status::ok);
    EXPECT_EQ(page.state.gs.base, 0x5000u);
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::segments, 0u);
    EXPECT_EQ(rd(Msr::gs_base).value(), 0x5000u);
}

TEST_F(MsrTest, PatAcceptsOnlyMemoryTypes) {
    EXPECT_EQ(rd(Msr::pat).value(), x86::pat::power_on);
    EXPECT_EQ(wr(Msr::pat, 0x0007010600070106), Status::ok);
    EXPECT_EQ(wr(Msr::pat, 0x0007040600070402), Status::invalid_argument);  // type 2 reserved
    EXPECT_EQ(wr(Msr::pat, 0x0807040600070406), Status::invalid_argument);  // type 8
    EXPECT_EQ(rd(Msr::pat).value(), 0x0007010600070106u);
}

TEST_F(MsrTest, ReadOnlyMsrs) {
    clock.now = 42;
    EXPECT_EQ(rd(Msr::tsc).value(), 42u);
    EXPECT_EQ(wr(Msr::tsc, 0), Status::invalid_argument);
    const std::uint64_t apic = rd(Msr::apic_base).value();
    EXPECT_EQ(apic & 0xfffff000u, 0xfee00000u);
    EXPECT_EQ(apic & (1u << 11), 0u);  // no APIC is shown: disabled
    EXPECT_EQ(wr(Msr::apic_base, apic), Status::ok);
    EXPECT_EQ(wr(Msr::apic_base, apic | (1u << 11)), Status::invalid_argument);
    EXPECT_EQ(rd(Msr::mtrr_cap).value(), 0u);
    EXPECT_EQ(wr(Msr::mtrr_cap, 0), Status::invalid_argument);
}

// The guest's TSC is the host's and cannot be written, so IA32_TSC_ADJUST
// stays 0: rewriting 0 is harmless, anything else would move the TSC.
TEST_F(MsrTest, TscAdjustStaysZero) {
    ASSERT_TRUE(cpuid.tsc_adjust());  // the fake host shows it in leaf 7
    EXPECT_EQ(rd(Msr::tsc_adjust).value(), 0u);
    EXPECT_EQ(wr(Msr::tsc_adjust, 0), Status::ok);
    EXPECT_EQ(wr(Msr::tsc_adjust, 5), Status::invalid_argument);
    EXPECT_EQ(wr(Msr::tsc_adjust, ~std::uint64_t{0}), Status::invalid_argument);
    EXPECT_EQ(rd(Msr::tsc_adjust).value(), 0u);
}

TEST_F(MsrTest, TscAdjustIsAbsentWhereCpuidHidesIt) {
    FakeHostCpuid host;
    host.leaves[{7, 0}].ebx &= ~(1u << 1);
    const CpuidPolicy without{host};
    ASSERT_FALSE(without.tsc_adjust());
    MsrState msrs;
    const MsrContext ctx{msrs, clock, without};
    EXPECT_EQ(read_msr(ctx, vcpu, idx(Msr::tsc_adjust)).status(), Status::invalid_argument);
    EXPECT_EQ(write_msr(ctx, vcpu, idx(Msr::tsc_adjust), 0), Status::invalid_argument);
}

TEST_F(MsrTest, MtrrDefType) {
    EXPECT_EQ(wr(Msr::mtrr_def_type, 0x806), Status::ok);
    EXPECT_EQ(rd(Msr::mtrr_def_type).value(), 0x806u);
    EXPECT_EQ(wr(Msr::mtrr_def_type, 0xc06), Status::invalid_argument);  // fixed ranges: none
    EXPECT_EQ(wr(Msr::mtrr_def_type, 0x802), Status::invalid_argument);  // type 2
    EXPECT_EQ(wr(Msr::mtrr_def_type, 0x1006), Status::invalid_argument);
}

TEST_F(MsrTest, Efer) {
    EXPECT_EQ(wr(Msr::efer, x86::efer::sce | x86::efer::lme | x86::efer::nxe), Status::ok);
    EXPECT_EQ(page.state.efer, x86::efer::sce | x86::efer::lme | x86::efer::nxe);
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::control, 0u);
    EXPECT_EQ(wr(Msr::efer, 1u << 1), Status::invalid_argument);   // reserved
    EXPECT_EQ(wr(Msr::efer, 1u << 12), Status::invalid_argument);  // SVME: not ours
    EXPECT_EQ(wr(Msr::efer, x86::efer::lma), Status::ok);          // LMA is ignored
    EXPECT_EQ(page.state.efer, 0u);
    page.state = long_mode_state();
    EXPECT_EQ(wr(Msr::efer, 0), Status::invalid_argument);  // LME under paging
    EXPECT_EQ(wr(Msr::efer, x86::efer::lme | x86::efer::nxe), Status::ok);
    EXPECT_EQ(page.state.efer, x86::efer::lme | x86::efer::lma | x86::efer::nxe);
}

TEST_F(MsrTest, ResetRestoresPowerOnValues) {
    ASSERT_EQ(wr(Msr::lstar, 0x1000), Status::ok);
    guest.reset();
    EXPECT_EQ(rd(Msr::lstar).value(), 0u);
    EXPECT_EQ(rd(Msr::pat).value(), x86::pat::power_on);
}

}  // namespace
}  // namespace septum::vmm::testing
