#include <septum/vmm/uart16550.hpp>

namespace septum::vmm {

namespace {

// Register offsets and bits (PC16550D data sheet, Table II).
enum Reg : std::uint8_t { rbr_thr = 0, ier = 1, iir_fcr = 2, lcr = 3, mcr = 4, lsr = 5, msr = 6, scr = 7 };
constexpr std::uint8_t lsr_data_ready = 0x01;
constexpr std::uint8_t lsr_thr_empty = 0x20;
constexpr std::uint8_t lsr_transmitter_empty = 0x40;
constexpr std::uint8_t iir_no_interrupt = 0x01;
constexpr std::uint8_t iir_fifo_enabled = 0xc0;
constexpr std::uint8_t fcr_enable = 0x01;
constexpr std::uint8_t msr_connected = 0xb0;  // DCD, DSR, CTS: a line that is always ready

}  // namespace

void Uart16550::reset() {
    ier_ = fcr_ = lcr_ = mcr_ = scr_ = dll_ = dlm_ = rbr_ = 0;
    data_ready_ = false;
}

// Accesses wider than a byte reach the register at the offset with their
// low byte, as on an ISA bus that splits nothing.
std::uint64_t Uart16550::read(std::uint64_t offset, unsigned /*size*/) {
    switch (offset) {
        case rbr_thr:
            if (dlab()) {
                return dll_;
            }
            data_ready_ = false;
            return rbr_;
        case ier:
            return dlab() ? dlm_ : ier_;
        case iir_fcr:
            return iir_no_interrupt | ((fcr_ & fcr_enable) != 0 ? iir_fifo_enabled : 0);
        case lcr:
            return lcr_;
        case mcr:
            return mcr_;
        case lsr:
            return lsr_thr_empty | lsr_transmitter_empty | (data_ready_ ? lsr_data_ready : 0);
        case msr:
            if (loopback()) {
                // Modem outputs fed back to the inputs: DTR->DSR, RTS->CTS,
                // OUT1->RI, OUT2->DCD.
                return ((mcr_ & 0x1) << 5) | ((mcr_ & 0x2) << 3) | ((mcr_ & 0x4) << 4) | ((mcr_ & 0x8) << 4);
            }
            return msr_connected;
        case scr:
            return scr_;
        default:
            return 0xff;
    }
}

Outcome Uart16550::write(std::uint64_t offset, unsigned /*size*/, std::uint64_t value) {
    const auto byte = static_cast<std::uint8_t>(value);
    switch (offset) {
        case rbr_thr:
            if (dlab()) {
                dll_ = byte;
            } else if (loopback()) {
                rbr_ = byte;
                data_ready_ = true;
            } else {
                const char c = static_cast<char>(byte);
                console_.put(&c, 1);
            }
            break;
        case ier:
            if (dlab()) {
                dlm_ = byte;
            } else {
                ier_ = byte & 0x0f;
            }
            break;
        case iir_fcr:
            fcr_ = byte;
            break;
        case lcr:
            lcr_ = byte;
            break;
        case mcr:
            mcr_ = byte & 0x1f;
            break;
        case scr:
            scr_ = byte;
            break;
        default:  // LSR and MSR are read-only
            break;
    }
    return Outcome::resume();
}

}  // namespace septum::vmm
