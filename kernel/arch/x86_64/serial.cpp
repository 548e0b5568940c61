#include "serial.hpp"

#include <cstdint>

#include "cpu.hpp"

namespace septum::arch::serial {

namespace {

constexpr std::uint16_t com1 = 0x3f8;

// 16550 registers, as offsets from the base port.
enum Reg : std::uint16_t {
    data = 0,         // THR/RBR; divisor low when DLAB=1
    irq_enable = 1,   // IER; divisor high when DLAB=1
    fifo_ctrl = 2,    // FCR
    line_ctrl = 3,    // LCR
    modem_ctrl = 4,   // MCR
    line_status = 5,  // LSR
};

constexpr std::uint8_t lcr_dlab = 0x80;
constexpr std::uint8_t lcr_8n1 = 0x03;
constexpr std::uint8_t fcr_enable_clear = 0x07;
constexpr std::uint8_t mcr_dtr_rts = 0x03;
constexpr std::uint8_t lsr_thr_empty = 0x20;

// A UART that never drains (absent, or wedged) must not hang the kernel:
// after this many polls the byte is dropped.
constexpr unsigned max_polls = 1u << 20;

}  // namespace

void init() {
    outb(com1 + irq_enable, 0x00);
    outb(com1 + line_ctrl, lcr_dlab);
    outb(com1 + data, 0x01);  // divisor 1: 115200 baud
    outb(com1 + irq_enable, 0x00);
    outb(com1 + line_ctrl, lcr_8n1);
    outb(com1 + fifo_ctrl, fcr_enable_clear);
    outb(com1 + modem_ctrl, mcr_dtr_rts);
}

void put(char c) {
    for (unsigned i = 0; i < max_polls; ++i) {
        if ((inb(com1 + line_status) & lsr_thr_empty) != 0) {
            outb(com1 + data, static_cast<std::uint8_t>(c));
            return;
        }
        pause();
    }
}

}  // namespace septum::arch::serial
