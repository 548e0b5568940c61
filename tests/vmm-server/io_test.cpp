#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

// Exit qualification for I/O (SDM Vol. 3C Table 28-5).
constexpr std::uint64_t io(std::uint16_t port, unsigned size, bool in, bool string = false, bool rep = false) {
    return (size - 1) | (in ? 1u << 3 : 0) | (string ? 1u << 4 : 0) | (rep ? 1u << 5 : 0) |
           (static_cast<std::uint64_t>(port) << 16);
}

class IoTest : public VmmTest {
protected:
    Outcome run(std::uint64_t qualification, std::uint32_t info = 0, std::uint32_t length = 1) {
        set_exit(static_cast<std::uint32_t>(abi::VmxExit::io_instruction), qualification, length);
        page.exit.instruction_info = info;
        return handle_exit(guest, vcpu, memory);
    }
    static constexpr std::uint32_t address32 = 1u << 7;
};

TEST_F(IoTest, OutToTheUart) {
    page.state.rax = 0xffffff00 | 'A';
    EXPECT_EQ(run(io(0x3f8, 1, false)), Outcome::resume());
    EXPECT_EQ(console.out, "A");
    EXPECT_EQ(page.state.rip, 1u);
}

TEST_F(IoTest, InMergesOrZeroExtends) {
    page.state.rax = 0x1111111111111111;
    EXPECT_EQ(run(io(0x3fd, 1, true)), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0x1111111111111160u);  // LSR: THRE | TEMT
    EXPECT_EQ(run(io(0x60, 2, true)), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0x111111111111ffffu);
    EXPECT_EQ(run(io(0x60, 4, true)), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0xffffffffu);
}

TEST_F(IoTest, DebugExitStopsTheGuest) {
    page.state.rax = 0x2a;
    EXPECT_EQ(run(io(0xf4, 4, false)), Outcome::stop(StopReason::guest_request, 0x2a));
    page.state.rax = 0x101;
    EXPECT_EQ(run(io(0xf4, 1, false)), Outcome::stop(StopReason::guest_request, 0x01));
}

TEST_F(IoTest, UnclaimedPortsReadOnesAndIgnoreWrites) {
    page.state.rax = 0;
    EXPECT_EQ(run(io(0x1234, 4, false)), Outcome::resume());
    EXPECT_EQ(run(io(0x1234, 4, true)), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0xffffffffu);
}

TEST_F(IoTest, RepOutsbWritesAString) {
    put_code(0x4000, {'h', 'e', 'l', 'l', 'o'});
    page.state.rsi = 0x4000;
    page.state.rcx = 5;
    EXPECT_EQ(run(io(0x3f8, 1, false, true, true), address32 | (3u << 15), 2), Outcome::resume());
    EXPECT_EQ(console.out, "hello");
    EXPECT_EQ(page.state.rsi, 0x4005u);
    EXPECT_EQ(page.state.rcx, 0u);
    EXPECT_EQ(page.state.rip, 2u);
}

// A port-I/O exit brings back no segments (state_needed); string I/O
// fetches them before it touches memory, and stops the guest if it cannot.
class SegmentSource final : public StateSource {
public:
    bool read(std::uint64_t mask) override {
        asked |= mask;
        return answer;
    }
    std::uint64_t asked = 0;
    bool answer = true;
};

TEST_F(IoTest, StringIoFetchesTheSegments) {
    SegmentSource source;
    vcpu.set_source(&source);
    vcpu.arrived(state_needed(static_cast<std::uint32_t>(abi::VmxExit::io_instruction)));
    EXPECT_EQ(run(io(0x3f8, 1, false)), Outcome::resume());  // OUT: no memory operand
    EXPECT_EQ(source.asked, 0u);
    put_code(0x4000, {'h', 'i'});
    page.state.rsi = 0x4000;
    page.state.rcx = 2;
    EXPECT_EQ(run(io(0x3f8, 1, false, true, true), address32 | (3u << 15), 2), Outcome::resume());
    EXPECT_EQ(source.asked, abi::vcpu_state::segments);
    EXPECT_EQ(console.out, std::string("\0hi", 3));  // the OUT wrote AL (0), then the string
    vcpu.arrived(state_needed(static_cast<std::uint32_t>(abi::VmxExit::io_instruction)));
    source.answer = false;
    EXPECT_EQ(run(io(0x3f8, 1, false, true, true), address32 | (3u << 15), 2).action, Action::stop);
}

TEST_F(IoTest, RepInswFillsMemoryBackwards) {
    page.state.rdi = 0x5004;
    page.state.rcx = 3;
    page.state.rflags |= x86::rflags::df;
    EXPECT_EQ(run(io(0x60, 2, true, true, true), address32, 2), Outcome::resume());
    EXPECT_EQ(ram[0x5000], 0xff);
    EXPECT_EQ(ram[0x5005], 0xff);
    EXPECT_EQ(ram[0x4fff], 0);
    EXPECT_EQ(page.state.rdi, 0x4ffeu);
}

TEST_F(IoTest, LongRepContinuesAtTheNextExit) {
    page.state.rsi = 0x8000;
    page.state.rcx = 3000;
    EXPECT_EQ(run(io(0x80, 1, false, true, true), address32, 2), Outcome::resume());
    EXPECT_EQ(page.state.rip, 0u);  // not done: the guest re-executes
    EXPECT_EQ(page.state.rcx, 3000u - 1024u);
    EXPECT_EQ(run(io(0x80, 1, false, true, true), address32, 2), Outcome::resume());
    EXPECT_EQ(run(io(0x80, 1, false, true, true), address32, 2), Outcome::resume());
    EXPECT_EQ(page.state.rcx, 0u);
    EXPECT_EQ(page.state.rip, 2u);
}

TEST_F(IoTest, OutsOutsideRamIsRefused) {
    page.state.rsi = ram_size - 1;
    EXPECT_EQ(run(io(0x3f8, 2, false, true), address32, 1), Outcome::stop(StopReason::unclaimed_access, ram_size));
    guest.policy.unclaimed = Policy::Unclaimed::inject_gp;
    EXPECT_EQ(run(io(0x3f8, 2, false, true), address32, 1), Outcome::resume());
    EXPECT_TRUE(injected_gp());
}

TEST_F(IoTest, SixteenBitAddressingWraps) {
    page.state = real_mode_state();
    page.state.ds.base = 0x10000;
    page.state.rsi = 0xabcdffff;  // only SI counts, and it wraps to 0
    ram[0x1ffff] = 'x';
    ram[0x10000] = 'y';
    page.state.rcx = 2;
    EXPECT_EQ(run(io(0x3f8, 1, false, true, true), 3u << 15, 2), Outcome::resume());
    EXPECT_EQ(console.out, "xy");
    EXPECT_EQ(page.state.rsi, 0xabcd0001u);
}

}  // namespace
}  // namespace septum::vmm::testing
