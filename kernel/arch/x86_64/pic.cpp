#include "pic.hpp"

#include <cstdint>

#include "cpu.hpp"

namespace septum::arch::pic {

namespace {
constexpr std::uint16_t master_cmd = 0x20, master_data = 0x21;
constexpr std::uint16_t slave_cmd = 0xa0, slave_data = 0xa1;
constexpr std::uint8_t icw1_init_icw4 = 0x11;
constexpr std::uint8_t icw3_slave_on_irq2 = 0x04, icw3_slave_id = 0x02;
constexpr std::uint8_t icw4_8086 = 0x01;
constexpr std::uint8_t mask_all = 0xff;
constexpr std::uint8_t ocw2_eoi = 0x20;
constexpr unsigned cascade_line = 2;

std::uint16_t data_port(unsigned line) { return line < 8 ? master_data : slave_data; }
std::uint8_t bit(unsigned line) { return static_cast<std::uint8_t>(1u << (line % 8)); }
}  // namespace

void disable() {
    // Even masked, a PIC can raise a spurious IRQ 7/15; remapping puts it on
    // a vector that is not an exception.
    outb(master_cmd, icw1_init_icw4);
    outb(slave_cmd, icw1_init_icw4);
    outb(master_data, vector_base);
    outb(slave_data, vector_base + 8);
    outb(master_data, icw3_slave_on_irq2);
    outb(slave_data, icw3_slave_id);
    outb(master_data, icw4_8086);
    outb(slave_data, icw4_8086);
    outb(master_data, mask_all);
    outb(slave_data, mask_all);
}

void mask(unsigned line) {
    if (line < line_count) {
        outb(data_port(line), inb(data_port(line)) | bit(line));
    }
}

void unmask(unsigned line) {
    if (line >= line_count) {
        return;
    }
    outb(data_port(line), inb(data_port(line)) & static_cast<std::uint8_t>(~bit(line)));
    if (line >= 8) {
        unmask(cascade_line);  // the slave reaches the CPU through the master
    }
}

void eoi(unsigned line) {
    if (line >= 8) {
        outb(slave_cmd, ocw2_eoi);
    }
    outb(master_cmd, ocw2_eoi);
}

}  // namespace septum::arch::pic
