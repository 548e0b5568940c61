#include "device_oracles.hpp"

#include "machine.hpp"

namespace septum::fuzz {

namespace {

// What the UART promises whatever the guest did: the transmitter is always
// empty, the receiver holds no more than it has room for, the interrupt
// identification names a source the chip has, the interrupt line is up
// exactly when an interrupt is pending and OUT2 lets it out, and no
// register shows bits the chip does not have. Nothing read has side effects.
void check_uart_registers(const vmm::Uart16550& uart, const char* name) {
    const std::uint8_t lsr = uart.line_status(), iir = uart.interrupt_id();
    if ((lsr & 0x60) != 0x60 || (lsr & ~0x63) != 0) {
        violated("%s: line status %#x", name, lsr);
    }
    const std::uint8_t id = iir & 0x0f;
    if ((iir & 0x30) != 0 || ((iir >> 6) != 0 && (iir >> 6) != 3) ||
        (id != 1 && id != 6 && id != 4 && id != 0xc && id != 2 && id != 0)) {
        violated("%s: interrupt identification %#x", name, iir);
    }
    if (uart.input_count() > vmm::Uart16550::fifo_size ||
        uart.input_count() + uart.input_room() > vmm::Uart16550::fifo_size ||
        ((iir >> 6) == 0 && uart.input_count() > 1)) {
        violated("%s: %zu bytes received, room for %zu", name, uart.input_count(), uart.input_room());
    }
    if (((lsr & 1) != 0) != (uart.input_count() > 0)) {
        violated("%s: data ready %u with %zu bytes", name, lsr & 1, uart.input_count());
    }
}

void check_uart_line(const vmm::Uart16550& uart, const char* name) {
    const std::uint8_t mcr = uart.modem_control();
    if (mcr > 0x1f) {
        violated("%s: modem control %#x", name, mcr);
    }
    const bool pending = (uart.interrupt_id() & 1) == 0;
    if (uart.irq_asserted() != (pending && (mcr & 0x08) != 0 && (mcr & 0x10) == 0)) {
        violated("%s: line %u with IIR %#x and MCR %#x", name, uart.irq_asserted(), uart.interrupt_id(), mcr);
    }
}

}  // namespace

void check_uart(const vmm::Uart16550& uart, const char* name) {
    check_uart_registers(uart, name);
    check_uart_line(uart, name);
}

// The I/O APIC's entries hold no bit a guest cannot set, and a remote IRR
// only where a level-triggered interrupt is outstanding.
void check_ioapic(const vmm::IoApic& ioapic) {
    for (unsigned pin = 0; pin < vmm::IoApic::pins; ++pin) {
        const std::uint64_t e = ioapic.entry(pin);
        if ((e & 0x00fffffffffe1000) != 0) {
            violated("I/O APIC pin %u: entry %#llx", pin, static_cast<unsigned long long>(e));
        }
        const unsigned mode = (e >> 8) & 7;
        if ((e & (1u << 14)) != 0 && ((e & (1u << 15)) == 0 || mode > 1)) {
            violated("I/O APIC pin %u: remote IRR on an edge entry %#llx", pin, static_cast<unsigned long long>(e));
        }
    }
}

// The RTC: register D says valid, C shows only its four flags with IRQF
// their enabled sum, and the line follows IRQF.
void check_rtc(const vmm::Rtc& rtc) {
    const std::uint8_t b = rtc.peek(0x0b), c = rtc.peek(0x0c);
    if (rtc.peek(0x0d) != 0x80 || (c & 0x0f) != 0 || ((c & 0x80) != 0) != ((c & b & 0x70) != 0) ||
        rtc.irq_asserted() != ((c & 0x80) != 0)) {
        violated("RTC: B %#x C %#x D %#x line %u", b, c, rtc.peek(0x0d), rtc.irq_asserted());
    }
}

// What the local APIC promises whatever the guest did: no vector below 16
// is ever requested or in service, PPR is what TPR and ISR make it, the
// interrupt offered is the highest requested one above the PPR's class,
// a software-disabled APIC has every LVT masked, the count never exceeds
// the initial count, and the x2APIC's LDR is its ID's.
void check_local_apic(const vmm::LocalApic& apic) {
    using A = vmm::LocalApic;
    int irrv = -1, isrv = -1;
    for (unsigned v = 0; v < 256; ++v) {
        const auto vector = static_cast<std::uint8_t>(v);
        if (v < 16 && (apic.irr(vector) || apic.isr(vector))) {
            violated("local APIC: vector %u requested or in service", v);
        }
        irrv = apic.irr(vector) ? static_cast<int>(v) : irrv;
        isrv = apic.isr(vector) ? static_cast<int>(v) : isrv;
    }
    const std::uint32_t tpr = apic.reg(A::tpr_reg), ppr = apic.reg(A::ppr_reg);
    const std::uint32_t in_service = isrv < 0 ? 0 : static_cast<std::uint32_t>(isrv) & 0xf0;
    if (tpr > 0xff || ppr != ((tpr & 0xf0) >= in_service ? tpr : in_service)) {
        violated("local APIC: PPR %#x with TPR %#x and vector %d in service", ppr, tpr, isrv);
    }
    const int expected =
        apic.enabled() && irrv >= 0 && (static_cast<std::uint32_t>(irrv) & 0xf0) > (ppr & 0xf0) ? irrv : -1;
    if (apic.next_interrupt() != expected) {
        violated("local APIC: offers %d, IRR's highest %d, PPR %#x", apic.next_interrupt(), irrv, ppr);
    }
    if (!apic.software_enabled()) {
        for (const std::uint32_t lvt : {A::lvt_cmci_reg, A::lvt_timer_reg, A::lvt_thermal_reg, A::lvt_perf_reg,
                                        A::lvt_lint0_reg, A::lvt_lint1_reg, A::lvt_error_reg}) {
            if ((apic.reg(lvt) & A::lvt_masked) == 0) {
                violated("local APIC: LVT %#x unmasked while software-disabled", lvt);
            }
        }
    }
    if (apic.current_count() > apic.reg(A::initial_count_reg)) {
        violated("local APIC: count %u above the initial %u", apic.current_count(), apic.reg(A::initial_count_reg));
    }
    const std::uint32_t id = apic.reg(A::id_reg);
    if (apic.x2apic_mode() && (!apic.enabled() || apic.reg(A::ldr_reg) != ((id >> 4) << 16 | 1u << (id & 0xf)))) {
        violated("local APIC: x2APIC mode with base %#llx, LDR %#x", static_cast<unsigned long long>(apic.base()),
                 apic.reg(A::ldr_reg));
    }
}

}  // namespace septum::fuzz
