#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

// Exit qualification for a control-register access (SDM Vol. 3C Table 28-3).
constexpr std::uint64_t mov_to_cr(unsigned cr, unsigned gpr) { return cr | (gpr << 8); }
constexpr std::uint64_t mov_from_cr(unsigned cr, unsigned gpr) { return cr | (1u << 4) | (gpr << 8); }

class CrTest : public VmmTest {
protected:
    Outcome run(std::uint64_t qualification) {
        set_exit(static_cast<std::uint32_t>(abi::VmxExit::cr_access), qualification, 3);
        return handle_exit(guest, vcpu, memory);
    }
};

TEST_F(CrTest, Cr0GoodAndBadValues) {
    const std::uint64_t cr0 = page.state.cr0;
    page.state.rbx = cr0 | x86::cr0::wp | x86::cr0::am;
    EXPECT_EQ(run(mov_to_cr(0, 3)), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_EQ(page.state.cr0, cr0 | x86::cr0::wp | x86::cr0::am);
    EXPECT_EQ(page.state.rip, 3u);
    for (std::uint64_t bad : {x86::cr0::pg,                               // PG without PE
                              x86::cr0::pe | x86::cr0::nw,                // NW without CD
                              x86::cr0::pe | (std::uint64_t{1} << 6)}) {  // reserved bit
        page.state.rbx = bad;
        EXPECT_EQ(run(mov_to_cr(0, 3)), Outcome::resume());
        EXPECT_TRUE(injected_gp()) << bad;
        EXPECT_EQ(page.state.rip, 3u);
    }
}

TEST_F(CrTest, EnablingLongModeSetsLma) {
    page.state.efer = x86::efer::lme;
    page.state.rax = page.state.cr0 | x86::cr0::pg;
    EXPECT_EQ(run(mov_to_cr(0, 0)), Outcome::resume());
    EXPECT_TRUE(injected_gp());  // LME without PAE
    page.state.cr4 = x86::cr4::pae;
    EXPECT_EQ(run(mov_to_cr(0, 0)), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_NE(page.state.efer & x86::efer::lma, 0u);
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::control, 0u);
}

TEST_F(CrTest, LongModeRules) {
    page.state = long_mode_state();
    page.state.rcx = page.state.cr0 & ~x86::cr0::pg;  // paging off in 64-bit code
    EXPECT_EQ(run(mov_to_cr(0, 1)), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.rcx = 0;  // PAE off in IA-32e mode
    EXPECT_EQ(run(mov_to_cr(4, 1)), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.rcx = 1ull << 52;  // above MAXPHYADDR (48 here)
    EXPECT_EQ(run(mov_to_cr(3, 1)), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.rcx = 0x123000;
    EXPECT_EQ(run(mov_to_cr(3, 1)), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_EQ(page.state.cr3, 0x123000u);
}

TEST_F(CrTest, Cr4RefusesHiddenFeatures) {
    for (std::uint64_t bad : {x86::cr4::vmxe, x86::cr4::pcide, x86::cr4::la57, x86::cr4::pke, x86::cr4::smxe,
                              x86::cr4::mce, std::uint64_t{1} << 15}) {
        page.state.rdx = bad;
        EXPECT_EQ(run(mov_to_cr(4, 2)), Outcome::resume());
        EXPECT_TRUE(injected_gp()) << bad;
    }
    page.state = long_mode_state();
    page.state.rdx = x86::cr4::pae | (std::uint64_t{1} << 32);  // only 64-bit code reaches bit 32
    EXPECT_EQ(run(mov_to_cr(4, 2)), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.rdx = x86::cr4::pae | x86::cr4::osfxsr | x86::cr4::osxsave | x86::cr4::smep;
    EXPECT_EQ(run(mov_to_cr(4, 2)), Outcome::resume());
    EXPECT_FALSE(injected());
    EXPECT_EQ(page.state.cr4, page.state.rdx);
}

TEST_F(CrTest, Cr8IsTheTpr) {
    page.state.r9 = 0x7;
    EXPECT_EQ(run(mov_to_cr(8, 9)), Outcome::resume());
    EXPECT_EQ(guest.tpr, 7u);
    EXPECT_EQ(run(mov_from_cr(8, 10)), Outcome::resume());
    EXPECT_EQ(page.state.r10, 7u);
    page.state.r9 = 0x10;
    EXPECT_EQ(run(mov_to_cr(8, 9)), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    EXPECT_EQ(guest.tpr, 7u);
}

TEST_F(CrTest, MovFromCr3AndNonexistentCrs) {
    page.state.cr3 = 0x5000;
    EXPECT_EQ(run(mov_from_cr(3, 6)), Outcome::resume());
    EXPECT_EQ(page.state.rsi, 0x5000u);
    for (unsigned cr : {1u, 5u, 7u, 9u, 15u}) {
        EXPECT_EQ(run(mov_to_cr(cr, 0)), Outcome::resume());
        EXPECT_TRUE(injected_ud()) << cr;
        EXPECT_EQ(run(mov_from_cr(cr, 0)), Outcome::resume());
        EXPECT_TRUE(injected_ud()) << cr;
    }
}

TEST_F(CrTest, CltsAndLmsw) {
    page.state.cr0 |= x86::cr0::ts;
    EXPECT_EQ(run(2u << 4), Outcome::resume());
    EXPECT_EQ(page.state.cr0 & x86::cr0::ts, 0u);
    // LMSW sets MP and TS but cannot clear PE.
    EXPECT_EQ(run((3u << 4) | (0xau << 16)), Outcome::resume());
    EXPECT_EQ(page.state.cr0 & 0xf, x86::cr0::pe | x86::cr0::mp | x86::cr0::ts);
    page.state = real_mode_state();
    EXPECT_EQ(run((3u << 4) | (0x1u << 16)), Outcome::resume());  // LMSW can set PE
    EXPECT_NE(page.state.cr0 & x86::cr0::pe, 0u);
}

TEST_F(CrTest, DebugRegisters) {
    const auto dr = [&](unsigned n, bool from, unsigned gpr) {
        set_exit(static_cast<std::uint32_t>(abi::VmxExit::dr_access), n | (from ? 1u << 4 : 0) | (gpr << 8), 3);
        return handle_exit(guest, vcpu, memory);
    };
    page.state.rax = 0x1234;
    EXPECT_EQ(dr(2, false, 0), Outcome::resume());
    EXPECT_EQ(dr(2, true, 3), Outcome::resume());
    EXPECT_EQ(page.state.rbx, 0x1234u);
    EXPECT_EQ(dr(7, true, 3), Outcome::resume());
    EXPECT_EQ(page.state.rbx, 0x400u);
    page.state.rax = 1ull << 33;
    EXPECT_EQ(dr(7, false, 0), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    page.state.cr4 = x86::cr4::de;
    EXPECT_EQ(dr(4, true, 0), Outcome::resume());
    EXPECT_TRUE(injected_ud());
}

}  // namespace
}  // namespace septum::vmm::testing
