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

}  // namespace septum::arch::pic
