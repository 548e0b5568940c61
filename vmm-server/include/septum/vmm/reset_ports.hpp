// The two ways PC software asks the board for a reset, each resetting
// this guest only (Outcome::reset: the same path as a triple fault; the
// cell's reset policy decides whether it boots again):
//
// - the keyboard controller's "pulse reset line" command, 0xFE written to
//   port 0x64 (Linux: reboot=k, its default without ACPI);
// - the reset control register at port 0xCF9, RST_CPU (bit 2) written as
//   1 (Linux: reboot=pci; Intel ICH/PCH data sheets, "Reset Control").
//
// Nothing else of either chip is there.
#pragma once

#include <cstdint>

#include "bus.hpp"

namespace septum::vmm {

// Port 0x64: status on read, commands on write. The status shows a full
// output buffer and an empty input buffer: Linux's i8042 probe then finds
// no controller after 16 reads of port 0x60 (which nothing claims), and
// its reboot path writes the reset command without waiting.
class KeyboardReset final : public Device {
public:
    static constexpr std::uint16_t port = 0x64;
    static constexpr std::uint64_t width = 1;
    static constexpr std::uint8_t status = 0x01;       // OBF set, IBF clear
    static constexpr std::uint8_t pulse_reset = 0xfe;  // pulse output port bit 0, the CPU's reset line

    std::uint64_t read(std::uint64_t /*offset*/, unsigned /*size*/) override { return status; }
    Outcome write(std::uint64_t /*offset*/, unsigned /*size*/, std::uint64_t value) override {
        return static_cast<std::uint8_t>(value) == pulse_reset ? Outcome::reset() : Outcome::resume();
    }
};

// Port 0xCF9, byte accesses only (wider ones at 0xCF8 are PCI
// configuration addresses; a PCI host bridge added later must hand the
// byte at 0xCF9 to this device). SYS_RST (bit 1) and FULL_RST (bit 3) hold
// their value and only choose the kind of reset, which is the same here.
class ResetControl final : public Device {
public:
    static constexpr std::uint16_t port = 0xcf9;
    static constexpr std::uint64_t width = 1;
    static constexpr std::uint8_t sys_rst = 0x02;
    static constexpr std::uint8_t rst_cpu = 0x04;
    static constexpr std::uint8_t full_rst = 0x08;

    std::uint64_t read(std::uint64_t /*offset*/, unsigned /*size*/) override { return value_; }
    Outcome write(std::uint64_t /*offset*/, unsigned /*size*/, std::uint64_t value) override {
        value_ = static_cast<std::uint8_t>(value & (sys_rst | full_rst));
        // RST_CPU always reads 0, so writing 1 is always its rising edge.
        return (value & rst_cpu) != 0 ? Outcome::reset() : Outcome::resume();
    }
    void reset() override { value_ = 0; }

private:
    std::uint8_t value_ = 0;
};

}  // namespace septum::vmm
