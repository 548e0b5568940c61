// Resets the guest asks the board for: the keyboard controller's 0xFE and
// port 0xCF9, each through the same path as a triple fault.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/reset_ports.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

constexpr std::uint64_t out_byte(std::uint16_t port) { return static_cast<std::uint64_t>(port) << 16; }
constexpr std::uint64_t in_byte(std::uint16_t port) { return out_byte(port) | 1u << 3; }

class ResetTest : public VmmTest {
protected:
    ResetTest() {
        EXPECT_EQ(ports.claim(KeyboardReset::port, KeyboardReset::width, keyboard), Status::ok);
        EXPECT_EQ(ports.claim(ResetControl::port, ResetControl::width, reset_control), Status::ok);
        guest.initial = real_mode_state();
        guest.initial.rip = 0xfff0;
    }
    Outcome port_io(std::uint64_t qualification, std::uint64_t rax) {
        set_exit(static_cast<std::uint32_t>(abi::VmxExit::io_instruction), qualification, 1);
        page.state.rax = rax;
        return handle_exit(guest, vcpu, memory);
    }
    void expect_reset_state() {
        EXPECT_EQ(page.state.rip, 0xfff0u);
        EXPECT_EQ(page.state.rax, 0u);
        EXPECT_EQ(vcpu.dirty(),
                  abi::vcpu_state::stored |
                      abi::vcpu_state::injection);  // all but the APIC part, which deliver_interrupts supplies
    }

    KeyboardReset keyboard;
    ResetControl reset_control;
};

TEST_F(ResetTest, KeyboardControllerPulseResets) {
    EXPECT_EQ(port_io(in_byte(0x64), 0), Outcome::resume());
    EXPECT_EQ(page.state.rax, KeyboardReset::status);
    for (std::uint64_t command : {0x20u, 0xd1u, 0xffu, 0xfdu}) {
        EXPECT_EQ(port_io(out_byte(0x64), command), Outcome::resume()) << command;
    }
    EXPECT_EQ(port_io(out_byte(0x64), 0xfe), Outcome::reset());
    expect_reset_state();
}

TEST_F(ResetTest, ResetControlRegister) {
    // Linux's reboot=pci: SYS_RST first, then SYS_RST | RST_CPU.
    EXPECT_EQ(port_io(out_byte(0xcf9), 0x02), Outcome::resume());
    EXPECT_EQ(port_io(in_byte(0xcf9), 0), Outcome::resume());
    EXPECT_EQ(page.state.rax, 0x02u);
    EXPECT_EQ(port_io(out_byte(0xcf9), 0x06), Outcome::reset());
    expect_reset_state();
    EXPECT_EQ(reset_control.read(0, 1), 0u);                       // the guest reset reset the register too
    EXPECT_EQ(port_io(out_byte(0xcf9), 0xfb), Outcome::resume());  // everything but RST_CPU
    EXPECT_EQ(reset_control.read(0, 1), 0x0au);
}

TEST_F(ResetTest, WideAccessesAtCf8AreNotTheResetRegister) {
    const std::uint64_t dword = 3;  // size - 1
    EXPECT_EQ(port_io(out_byte(0xcf8) | dword, 0x06060606), Outcome::resume());
    EXPECT_EQ(port_io(out_byte(0xcf9) | 1, 0x0606), Outcome::resume());  // a word at 0xCF9 straddles
}

TEST_F(ResetTest, AGuestResetResetsTheDevicesOnTheBuses) {
    ASSERT_EQ(ports.write(0x3fb, 1, 0x80), Outcome::resume());  // UART DLAB on
    ASSERT_EQ(port_io(out_byte(0x64), 0xfe), Outcome::reset());
    EXPECT_EQ(ports.read(0x3fb, 1), 0u);
}

}  // namespace
}  // namespace septum::vmm::testing
