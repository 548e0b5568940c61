// An I/O APIC: 24 input pins, each routed by its redirection entry to a
// vector for the local APICs, edge- or level-triggered, maskable, with the
// remote IRR of level-triggered pins cleared by the local APIC's EOI (or by
// the EOI register of version 0x20 parts). Registers and bits: Intel
// 82093AA I/O APIC datasheet, section 3; the EOI register as ICH-family
// I/O APICs have it. The guest reaches it by MMIO at 0xFEC00000.
#pragma once

#include <cstdint>

#include "bus.hpp"
#include "interrupts.hpp"
#include "platform.hpp"

namespace septum::vmm {

class IoApic final : public Device, public InterruptLines, public EoiListener {
public:
    static constexpr std::uint64_t default_base = pc::ioapic_base;
    static constexpr std::uint64_t window = 0x1000;  // one page: the rest of it reads zero
    static constexpr unsigned pins = pc::ioapic_pins;
    static constexpr std::uint8_t version = pc::ioapic_version;

    IoApic(InterruptReceiver& receiver, std::uint8_t id);

    // MMIO: IOREGSEL at 0x00, IOWIN at 0x10, EOI at 0x40.
    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
    // Power-on: every entry masked, remote IRRs clear, the ID as built. The
    // pins keep the levels their devices drive.
    void reset() override;

    // A device drives pin `line`; pins past 23 do not exist.
    void set_line(unsigned line, bool asserted) override;
    // The local APIC's EOI broadcast for `vector`.
    void end_of_interrupt(std::uint8_t vector) override;

    // A redirection entry as the guest reads it (for tests and oracles).
    [[nodiscard]] std::uint64_t entry(unsigned pin) const { return pin < pins ? table_[pin] : 0; }
    [[nodiscard]] bool line(unsigned pin) const { return pin < pins && (lines_ >> pin & 1) != 0; }

private:
    [[nodiscard]] std::uint32_t read_register(std::uint8_t index) const;
    void write_register(std::uint8_t index, std::uint32_t value);
    // Sends the pin's interrupt if its entry lets it: unmasked, and for a
    // level-triggered pin asserted with no interrupt outstanding.
    void service(unsigned pin);

    InterruptReceiver& receiver_;
    std::uint8_t initial_id_;
    std::uint8_t id_;
    std::uint8_t select_ = 0;
    std::uint32_t lines_ = 0;  // one bit per pin: asserted
    std::uint64_t table_[pins] = {};
};

}  // namespace septum::vmm
