// A 16550A UART, enough for a guest's console: what the guest transmits
// goes to a Console; nothing is ever received except in loopback mode,
// which drivers use to probe for the chip. Register map and bits: the
// National Semiconductor PC16550D data sheet, Table II. No interrupts yet:
// there is no virtual interrupt controller to raise them on.
#pragma once

#include <cstdint>

#include "bus.hpp"
#include "console.hpp"

namespace septum::vmm {

class Uart16550 final : public Device {
public:
    static constexpr std::uint16_t com1 = 0x3f8;
    static constexpr std::uint64_t register_count = 8;

    explicit Uart16550(Console& console) : console_{console} {}

    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;

    // Back to the power-on state (a guest reset).
    void reset();

private:
    [[nodiscard]] bool dlab() const { return (lcr_ & 0x80) != 0; }
    [[nodiscard]] bool loopback() const { return (mcr_ & 0x10) != 0; }

    Console& console_;
    std::uint8_t ier_ = 0;
    std::uint8_t fcr_ = 0;
    std::uint8_t lcr_ = 0;
    std::uint8_t mcr_ = 0;
    std::uint8_t scr_ = 0;
    std::uint8_t dll_ = 0;
    std::uint8_t dlm_ = 0;
    std::uint8_t rbr_ = 0;
    bool data_ready_ = false;  // only in loopback
};

}  // namespace septum::vmm
