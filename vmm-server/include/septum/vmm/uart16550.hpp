// A 16550A UART as Linux's 8250 driver uses it: the transmitter sends to
// a Console at once (so it is always empty), the receiver holds what the
// VMM feeds it from the cell's console input in a 16-byte FIFO, and the
// four interrupt sources (line status, received data, transmitter empty,
// modem status) raise the UART's IRQ line through an interrupt
// controller. Register map and bits: National Semiconductor PC16550D data
// sheet, Table II and section 8.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bus.hpp"
#include "console.hpp"
#include "interrupts.hpp"

namespace septum::vmm {

class Uart16550 final : public Device {
public:
    static constexpr std::uint16_t com1 = 0x3f8;
    static constexpr std::uint64_t register_count = 8;
    static constexpr std::size_t fifo_size = 16;

    // `irq` is where the interrupt output goes; by default nowhere.
    explicit Uart16550(Console& console, IrqLine irq = {}) : console_{console}, irq_{irq} {}

    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
    void reset() override;

    // Console input. The VMM offers bytes; the receiver takes as many as it
    // has room for (input_room()) and returns that count. It never drops
    // one: what it does not take stays with the VMM, which offers it again
    // after the guest has read (input_room() grows when it does).
    std::size_t receive(const std::uint8_t* bytes, std::size_t length);
    // 16 bytes with the FIFO on, one (the holding register) without; none
    // in loopback mode, where the receiver hears only the transmitter.
    [[nodiscard]] std::size_t input_room() const;

    // Registers as the guest would read them, without a read's side
    // effects (for the VMM's own checks and the fuzzers' oracles).
    [[nodiscard]] std::uint8_t interrupt_id() const;
    [[nodiscard]] std::uint8_t line_status() const;
    [[nodiscard]] std::uint8_t modem_control() const { return mcr_; }
    [[nodiscard]] bool irq_asserted() const { return irq_level_; }
    [[nodiscard]] std::size_t input_count() const { return rx_count_; }

private:
    // Modem inputs (MSR 7:4) of a line that is always ready: DCD, DSR, CTS.
    static constexpr std::uint8_t line_ready = 0xb0;

    [[nodiscard]] bool dlab() const { return (lcr_ & 0x80) != 0; }
    [[nodiscard]] bool loopback() const { return (mcr_ & 0x10) != 0; }
    [[nodiscard]] bool fifo_enabled() const { return (fcr_ & 0x01) != 0; }
    [[nodiscard]] std::size_t receiver_capacity() const { return fifo_enabled() ? fifo_size : 1; }
    [[nodiscard]] std::uint8_t modem_inputs() const;

    std::uint8_t take_received();
    void push_received(std::uint8_t byte);  // loopback: a full receiver overruns
    void transmit(std::uint8_t byte);
    void write_ier(std::uint8_t value);
    void write_fcr(std::uint8_t value);
    void write_mcr(std::uint8_t value);
    void update_irq();

    Console& console_;
    IrqLine irq_;
    std::uint8_t ier_ = 0;
    std::uint8_t fcr_ = 0;  // FIFO enable and receiver trigger bits as last written
    std::uint8_t lcr_ = 0;
    std::uint8_t mcr_ = 0;
    std::uint8_t scr_ = 0;
    std::uint8_t dll_ = 0;
    std::uint8_t dlm_ = 0;
    std::uint8_t rx_[fifo_size] = {};
    std::size_t rx_head_ = 0;
    std::size_t rx_count_ = 0;
    bool overrun_ = false;                   // LSR OE, until LSR is read
    bool thre_pending_ = false;              // the transmitter-empty interrupt, until IIR shows it or THR is written
    std::uint8_t msr_delta_ = 0;             // MSR bits 3:0, until MSR is read
    std::uint8_t last_inputs_ = line_ready;  // modem inputs (MSR 7:4) the deltas were taken against
    bool irq_level_ = false;
};

}  // namespace septum::vmm
