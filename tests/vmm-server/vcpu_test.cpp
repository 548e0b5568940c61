#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

TEST_F(VmmTest, GprsByEncoding) {
    for (unsigned i = 0; i < 16; ++i) {
        vcpu.set_gpr(i, 0x100 + i);
    }
    EXPECT_EQ(page.state.rax, 0x100u);
    EXPECT_EQ(page.state.rcx, 0x101u);
    EXPECT_EQ(page.state.rbx, 0x103u);
    EXPECT_EQ(page.state.rsp, 0x104u);
    EXPECT_EQ(page.state.rdi, 0x107u);
    EXPECT_EQ(page.state.r15, 0x10fu);
    EXPECT_EQ(vcpu.gpr(16 + 2), 0x102u);  // masked, never out of bounds
    EXPECT_EQ(vcpu.dirty(), abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags);
}

// A source that records what it was asked for, and can refuse.
class RecordingSource final : public StateSource {
public:
    bool read(std::uint64_t mask) override {
        asked |= mask;
        ++calls;
        return answer;
    }
    std::uint64_t asked = 0;
    unsigned calls = 0;
    bool answer = true;
};

TEST_F(VmmTest, FetchReadsOnlyWhatTheExitDidNotBring) {
    EXPECT_TRUE(vcpu.fetch(abi::vcpu_state::all));  // by default all state is current
    RecordingSource source;
    vcpu.set_source(&source);
    vcpu.arrived(abi::vcpu_state::gprs | abi::vcpu_state::control);
    EXPECT_TRUE(vcpu.fetch(abi::vcpu_state::gprs));
    EXPECT_EQ(source.calls, 0u);
    EXPECT_TRUE(vcpu.fetch(abi::vcpu_state::segments | abi::vcpu_state::control | abi::vcpu_state::injection));
    EXPECT_EQ(source.asked, abi::vcpu_state::segments);  // injection is supply-only: never read
    EXPECT_TRUE(vcpu.fetch(abi::vcpu_state::segments));
    EXPECT_EQ(source.calls, 1u);
    source.answer = false;
    EXPECT_FALSE(vcpu.fetch(abi::vcpu_state::tables));
    vcpu.set_source(nullptr);
    EXPECT_FALSE(vcpu.fetch(abi::vcpu_state::tables));  // still missing, and nowhere to read it
}

TEST_F(VmmTest, SkipInstructionEndsStiBlocking) {
    page.state.rip = 0x1000;
    page.state.interruptibility = x86::interruptibility::sti;
    set_exit(12, 0, 1);
    vcpu.skip_instruction();
    EXPECT_EQ(page.state.rip, 0x1001u);
    EXPECT_EQ(page.state.interruptibility, 0u);
    page.state.rip = 0xffffffff;  // EIP wraps outside 64-bit mode
    vcpu.skip_instruction();
    EXPECT_EQ(page.state.rip, 0u);
}

TEST_F(VmmTest, InjectionKeepsTheFirstEvent) {
    vcpu.inject_gp();
    EXPECT_TRUE(injected_gp());
    EXPECT_TRUE(injection().has_error_code());
    vcpu.inject_ud();
    EXPECT_TRUE(injected_gp());
    vcpu.begin_exit();
    EXPECT_FALSE(injected());
    EXPECT_EQ(vcpu.dirty(), 0u);
}

TEST_F(VmmTest, RealModeInjectsWithoutErrorCode) {
    page.state = real_mode_state();
    vcpu.inject_gp();
    EXPECT_TRUE(injected_gp());
    EXPECT_FALSE(injection().has_error_code());
}

// Whether an error code goes with an exception depends on CR0.PE, which a
// short exit does not bring: inject fetches it.
TEST_F(VmmTest, InjectionFetchesCr0ForTheErrorCode) {
    RecordingSource source;
    vcpu.set_source(&source);
    page.state.cr0 = 0;  // stale: the guest has since entered protected mode
    vcpu.arrived(abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags);
    source.answer = true;
    vcpu.inject_gp();
    EXPECT_EQ(source.asked, abi::vcpu_state::control);
}

TEST_F(VmmTest, PageFaultSetsCr2) {
    vcpu.inject_page_fault(0xdead000, x86::pf_error::write);
    EXPECT_EQ(page.state.cr2, 0xdead000u);
    EXPECT_EQ(injected_vector(), 14u);
    EXPECT_EQ(page.state.inject_error, x86::pf_error::write);
    EXPECT_NE(vcpu.dirty() & abi::vcpu_state::cr2, 0u);
}

TEST_F(VmmTest, Modes) {
    EXPECT_EQ(vcpu.mode(), CpuMode::protected32);
    page.state = long_mode_state();
    EXPECT_EQ(vcpu.mode(), CpuMode::long64);
    page.state = real_mode_state();
    EXPECT_EQ(vcpu.mode(), CpuMode::real);
    page.state = protected_mode_state();
    page.state.rflags |= x86::rflags::vm;
    EXPECT_EQ(vcpu.mode(), CpuMode::virtual8086);
    page.state.ss.access_rights |= 3u << 5;
    EXPECT_EQ(vcpu.cpl(), 3u);
}

TEST_F(VmmTest, InterruptibleNeedsIfAndNoBlocking) {
    EXPECT_FALSE(vcpu.interruptible());
    page.state.rflags |= x86::rflags::if_;
    EXPECT_TRUE(vcpu.interruptible());
    page.state.interruptibility = x86::interruptibility::mov_ss;
    EXPECT_FALSE(vcpu.interruptible());
}

TEST_F(VmmTest, PendingInterruptsByPriorityAndTpr) {
    EXPECT_FALSE(guest.interrupt_pending());
    guest.raise_interrupt(3);  // an exception vector: dropped
    EXPECT_FALSE(guest.interrupt_pending());
    guest.raise_interrupt(0x30);
    guest.raise_interrupt(0xa1);
    EXPECT_EQ(guest.next_interrupt(), 0xa1);
    guest.tpr = 0xa;
    EXPECT_EQ(guest.next_interrupt(), -1);
    guest.tpr = 0;
    guest.acknowledge(0xa1);
    EXPECT_EQ(guest.next_interrupt(), 0x30);
    guest.reset();
    EXPECT_FALSE(guest.interrupt_pending());
}

}  // namespace
}  // namespace septum::vmm::testing
