#include <septum/vmm/ioapic.hpp>

namespace septum::vmm {

namespace {

// MMIO offsets (82093AA section 3.1; the EOI register of later parts).
constexpr std::uint64_t ioregsel = 0x00;
constexpr std::uint64_t iowin = 0x10;
constexpr std::uint64_t eoi = 0x40;

// Indirect registers (section 3.2).
constexpr std::uint8_t reg_id = 0x00;
constexpr std::uint8_t reg_version = 0x01;
constexpr std::uint8_t reg_arbitration = 0x02;
constexpr std::uint8_t reg_table = 0x10;  // entry n: 0x10 + 2n (bits 31:0), 0x11 + 2n (bits 63:32)

constexpr std::uint32_t id_mask = 0x0f;  // bits 27:24; four bits on the 82093AA
constexpr unsigned id_shift = 24;

// Redirection entry bits (section 3.2.4, Table 3-6).
namespace entry_bits {
constexpr std::uint64_t vector = 0xff;
constexpr unsigned mode_shift = 8;
constexpr std::uint64_t logical = 1u << 11;
constexpr std::uint64_t remote_irr = 1u << 14;  // read-only
constexpr std::uint64_t level = 1u << 15;
constexpr std::uint64_t masked = 1u << 16;
constexpr unsigned destination_shift = 56;
// What a write to the low half may set: vector, delivery mode, destination
// mode, polarity, trigger mode, mask. Delivery status (12) reads 0, since
// a message is never held back; remote IRR (14) is the I/O APIC's own.
constexpr std::uint64_t low_writable = 0xff | 0x700 | logical | (1u << 13) | level | masked;
constexpr std::uint64_t high_writable = std::uint64_t{0xff} << destination_shift;
}  // namespace entry_bits

std::uint8_t raw_mode(std::uint64_t entry) { return static_cast<std::uint8_t>((entry >> entry_bits::mode_shift) & 7); }

bool level_triggered(std::uint64_t entry) {
    // SMI, NMI, INIT and ExtINT are always edge-triggered, whatever the
    // trigger bit says (Table 3-6, delivery mode).
    const auto mode = static_cast<DeliveryMode>(raw_mode(entry));
    return (entry & entry_bits::level) != 0 && (mode == DeliveryMode::fixed || mode == DeliveryMode::lowest_priority);
}

}  // namespace

IoApic::IoApic(InterruptReceiver& receiver, std::uint8_t id)
    : receiver_{receiver}, initial_id_{static_cast<std::uint8_t>(id & id_mask)}, id_{initial_id_} {
    reset();
}

void IoApic::reset() {
    id_ = initial_id_;
    select_ = 0;
    for (std::uint64_t& e : table_) {
        // cppcheck-suppress useStlAlgorithm ; the freestanding build has no <algorithm>
        e = entry_bits::masked;
    }
}

void IoApic::service(unsigned pin) {
    std::uint64_t& e = table_[pin];
    const std::uint8_t mode = raw_mode(e);
    if ((e & entry_bits::masked) != 0 || mode == 3 || mode == 6) {
        return;  // masked, or a reserved delivery mode: nothing is sent
    }
    const bool level = level_triggered(e);
    if (level) {
        if (!line(pin) || (e & entry_bits::remote_irr) != 0) {
            return;  // not asserted, or the last one not yet EOIed
        }
        e |= entry_bits::remote_irr;
    }
    receiver_.deliver(InterruptMessage{static_cast<std::uint8_t>(e & entry_bits::vector),
                                       static_cast<DeliveryMode>(mode), (e & entry_bits::logical) != 0, level,
                                       static_cast<std::uint8_t>(e >> entry_bits::destination_shift)});
}

void IoApic::set_line(unsigned line, bool asserted) {
    if (line >= pins) {
        return;
    }
    const std::uint32_t bit = std::uint32_t{1} << line;
    const bool was = (lines_ & bit) != 0;
    lines_ = asserted ? lines_ | bit : lines_ & ~bit;
    // A level-triggered pin is sampled while asserted; an edge-triggered
    // one fires on the rising edge, and an edge on a masked pin is lost
    // (82093AA section 3.2.4, interrupt mask).
    if (asserted && (!was || level_triggered(table_[line]))) {
        service(line);
    }
}

void IoApic::end_of_interrupt(std::uint8_t vector) {
    for (unsigned pin = 0; pin < pins; ++pin) {
        std::uint64_t& e = table_[pin];
        if ((e & entry_bits::remote_irr) != 0 && (e & entry_bits::vector) == vector) {
            e &= ~entry_bits::remote_irr;
            service(pin);  // still asserted: the next one goes out
        }
    }
}

std::uint32_t IoApic::read_register(std::uint8_t index) const {
    switch (index) {
        case reg_id:
        case reg_arbitration:  // the arbitration ID follows the ID
            return static_cast<std::uint32_t>(id_) << id_shift;
        case reg_version:
            return version | (pins - 1) << 16;  // bits 23:16: the highest entry
        default:
            break;
    }
    if (index >= reg_table && index < reg_table + 2 * pins) {
        const std::uint64_t e = table_[(index - reg_table) / 2];
        return static_cast<std::uint32_t>((index & 1) != 0 ? e >> 32 : e);
    }
    return 0;
}

void IoApic::write_register(std::uint8_t index, std::uint32_t value) {
    if (index == reg_id) {
        id_ = static_cast<std::uint8_t>((value >> id_shift) & id_mask);
        return;
    }
    if (index < reg_table || index >= reg_table + 2 * pins) {
        return;  // version, arbitration and beyond the table: read-only or absent
    }
    const unsigned pin = (index - reg_table) / 2;
    std::uint64_t& e = table_[pin];
    if ((index & 1) != 0) {
        e = (e & ~entry_bits::high_writable) | ((std::uint64_t{value} << 32) & entry_bits::high_writable);
        return;
    }
    e = (e & ~entry_bits::low_writable) | (value & entry_bits::low_writable);
    if (level_triggered(e)) {
        service(pin);  // unmasked while asserted: a level is still there to see
    } else {
        e &= ~entry_bits::remote_irr;  // a pin made edge-triggered forgets its outstanding EOI
    }
}

// IOREGSEL takes any width (it holds 8 bits); IOWIN only whole dwords:
// narrower writes are dropped, narrower reads see the low bytes.
std::uint64_t IoApic::read(std::uint64_t offset, unsigned size) {
    std::uint64_t value = 0;
    if (offset == ioregsel) {
        value = select_;
    } else if (offset == iowin) {
        value = read_register(select_);
    }
    return value & all_ones(size);  // found by vmm-dispatch-fuzz: a 2-byte read saw all 32 bits
}

Outcome IoApic::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
    if (offset == ioregsel) {
        select_ = static_cast<std::uint8_t>(value);
    } else if (offset == iowin && size >= 4) {
        write_register(select_, static_cast<std::uint32_t>(value));
    } else if (offset == eoi) {
        end_of_interrupt(static_cast<std::uint8_t>(value));
    }
    return Outcome::resume();
}

}  // namespace septum::vmm
