// The I/O APIC fuzzer: MMIO accesses of any width and offset, pin levels,
// EOIs by broadcast and by register, and resets in any order. Every
// message must be one an entry asks for (unmasked, with its vector, mode
// and destination, from an asserted pin; a level-triggered one with its
// remote IRR set); a rising edge on an unmasked edge-triggered pin sends
// exactly one; an asserted level-triggered pin with no interrupt
// outstanding is never left unsent; the registers read what the entries
// hold.
#include <septum/vmm/ioapic.hpp>

#include <cstdint>

#include "device_fuzz.hpp"
#include "device_oracles.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {
namespace {

constexpr std::uint64_t masked = 1u << 16, level_bit = 1u << 15, remote_irr = 1u << 14;

unsigned mode_of(std::uint64_t e) { return (e >> 8) & 7; }
bool effective_level(std::uint64_t e) { return (e & level_bit) != 0 && mode_of(e) <= 1; }
bool sends(std::uint64_t e) { return (e & masked) == 0 && mode_of(e) != 3 && mode_of(e) != 6; }

struct CheckingApic final : vmm::InterruptReceiver {
    const vmm::IoApic* ioapic = nullptr;
    unsigned messages = 0;
    bool inside = false;

    void deliver(const vmm::InterruptMessage& m) override {
        if (inside) {
            violated("delivery from inside a delivery");
        }
        inside = true;
        ++messages;
        bool justified = false;
        for (unsigned pin = 0; pin < vmm::IoApic::pins && !justified; ++pin) {
            const std::uint64_t e = ioapic->entry(pin);
            justified = sends(e) && (e & 0xff) == m.vector && mode_of(e) == static_cast<unsigned>(m.mode) &&
                        ((e >> 11) & 1) == (m.logical ? 1u : 0u) && (e >> 56) == m.destination && ioapic->line(pin) &&
                        m.level == effective_level(e) && (!m.level || (e & remote_irr) != 0);
        }
        if (!justified) {
            violated("message vector %#x mode %u level %u dest %#x that no entry asks for", m.vector,
                     static_cast<unsigned>(m.mode), m.level, m.destination);
        }
        inside = false;
    }
};

void check_nothing_left_unsent(const vmm::IoApic& ioapic) {
    for (unsigned pin = 0; pin < vmm::IoApic::pins; ++pin) {
        const std::uint64_t e = ioapic.entry(pin);
        if (sends(e) && effective_level(e) && ioapic.line(pin) && (e & remote_irr) == 0) {
            violated("pin %u is asserted, level-triggered and unmasked, and nothing was sent", pin);
        }
    }
}

std::uint32_t read_register(vmm::IoApic& ioapic, std::uint8_t index) {
    (void)ioapic.write(0x00, 4, index);
    return static_cast<std::uint32_t>(ioapic.read(0x10, 4));
}

}  // namespace
}  // namespace septum::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    CheckingApic apic;
    vmm::IoApic ioapic{apic, source.u8()};
    apic.ioapic = &ioapic;
    for (unsigned op = 0; op < 4096 && !source.empty(); ++op) {
        const std::uint8_t kind = source.u8() % 8;
        if (kind < 3) {  // MMIO write, mostly a redirection entry through IOREGSEL and IOWIN
            const std::uint64_t offset =
                source.one_in(8) ? source.u16() % vmm::IoApic::window : (source.u8() % 3 == 0 ? 0x40 : 0x10);
            if (offset == 0x10) {
                (void)ioapic.write(0x00, 4, source.one_in(8) ? source.u8() : 0x10 + source.u8() % 50);
            }
            const std::uint64_t value = source.value();
            if (ioapic.write(offset, access_size(source), value) != vmm::Outcome::resume()) {
                violated("an I/O APIC write did not resume");
            }
        } else if (kind == 3) {
            const std::uint64_t offset = source.one_in(4) ? source.u16() % vmm::IoApic::window : 0x10;
            const unsigned width = access_size(source);
            if (ioapic.read(offset, width) > 0xffffffff) {
                violated("an I/O APIC register wider than 32 bits");
            }
        } else if (kind < 6) {
            const unsigned pin = source.u8() % (vmm::IoApic::pins + 2);
            const bool asserted = source.u8() % 2 != 0;
            const bool was = ioapic.line(pin);
            const std::uint64_t e = ioapic.entry(pin);
            const unsigned before = apic.messages;
            ioapic.set_line(pin, asserted);
            const bool edge = pin < vmm::IoApic::pins && asserted && !was && sends(e) && !effective_level(e);
            if (edge && apic.messages != before + 1) {
                violated("a rising edge on pin %u (entry %#llx) sent %u messages", pin,
                         static_cast<unsigned long long>(e), apic.messages - before);
            }
            if (!effective_level(e) && !edge && apic.messages != before) {
                violated("pin %u (entry %#llx) sent without an edge", pin, static_cast<unsigned long long>(e));
            }
        } else if (kind == 6) {
            ioapic.end_of_interrupt(source.u8());
        } else if (source.one_in(4)) {
            ioapic.reset();
        }
        check_ioapic(ioapic);
        check_nothing_left_unsent(ioapic);
        const unsigned pin = source.u8() % vmm::IoApic::pins;
        const std::uint64_t e = ioapic.entry(pin);
        if (read_register(ioapic, static_cast<std::uint8_t>(0x10 + 2 * pin)) != static_cast<std::uint32_t>(e) ||
            read_register(ioapic, static_cast<std::uint8_t>(0x11 + 2 * pin)) != static_cast<std::uint32_t>(e >> 32)) {
            violated("pin %u's registers do not read its entry %#llx", pin, static_cast<unsigned long long>(e));
        }
    }
    return 0;
}
