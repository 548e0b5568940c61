#include <septum/vmm/uart16550.hpp>

namespace septum::vmm {

namespace {

// Register offsets and bits (PC16550D data sheet, Table II).
enum Reg : std::uint8_t { rbr_thr = 0, ier = 1, iir_fcr = 2, lcr = 3, mcr = 4, lsr = 5, msr = 6, scr = 7 };

namespace ier_bits {
constexpr std::uint8_t received_data = 0x01;
constexpr std::uint8_t thr_empty = 0x02;
constexpr std::uint8_t line_status = 0x04;
constexpr std::uint8_t modem_status = 0x08;
}  // namespace ier_bits

// IIR values by priority (Table IV); bits 7:6 show the FIFOs enabled.
namespace iir_bits {
constexpr std::uint8_t none = 0x01;
constexpr std::uint8_t line_status = 0x06;
constexpr std::uint8_t received_data = 0x04;
constexpr std::uint8_t character_timeout = 0x0c;
constexpr std::uint8_t thr_empty = 0x02;
constexpr std::uint8_t modem_status = 0x00;
constexpr std::uint8_t fifos_enabled = 0xc0;
}  // namespace iir_bits

namespace lsr_bits {
constexpr std::uint8_t data_ready = 0x01;
constexpr std::uint8_t overrun = 0x02;
constexpr std::uint8_t thr_empty = 0x20;
constexpr std::uint8_t transmitter_empty = 0x40;
}  // namespace lsr_bits

namespace fcr_bits {
constexpr std::uint8_t enable = 0x01;
constexpr std::uint8_t clear_receiver = 0x02;
constexpr std::uint8_t trigger = 0xc0;
}  // namespace fcr_bits

namespace mcr_bits {
constexpr std::uint8_t out2 = 0x08;  // gates the interrupt output onto the ISA line on PCs
constexpr std::uint8_t writable = 0x1f;
}  // namespace mcr_bits

// Receiver FIFO trigger levels by FCR bits 7:6 (Table III).
constexpr std::size_t trigger_level(std::uint8_t fcr) {
    constexpr std::size_t levels[] = {1, 4, 8, 14};
    return levels[(fcr & fcr_bits::trigger) >> 6];
}

}  // namespace

void Uart16550::reset() {
    ier_ = fcr_ = lcr_ = mcr_ = scr_ = dll_ = dlm_ = 0;
    rx_head_ = rx_count_ = 0;
    overrun_ = thre_pending_ = false;
    msr_delta_ = 0;
    last_inputs_ = line_ready;
    update_irq();
}

std::uint8_t Uart16550::modem_inputs() const {
    if (!loopback()) {
        return line_ready;
    }
    // Modem outputs fed back to the inputs: RTS->CTS, DTR->DSR, OUT1->RI,
    // OUT2->DCD (section 8.6).
    return static_cast<std::uint8_t>(((mcr_ & 0x2) << 3) | ((mcr_ & 0x1) << 5) | ((mcr_ & 0x4) << 4) |
                                     ((mcr_ & 0x8) << 4));
}

std::uint8_t Uart16550::interrupt_id() const {
    std::uint8_t id = iir_bits::none;
    if ((ier_ & ier_bits::line_status) != 0 && overrun_) {
        id = iir_bits::line_status;
    } else if ((ier_ & ier_bits::received_data) != 0 && rx_count_ > 0) {
        // Below the trigger level the chip reports a character timeout once
        // four character times pass without a read; bytes arrive here when
        // the VMM has them, so that time has passed.
        id = fifo_enabled() && rx_count_ < trigger_level(fcr_) ? iir_bits::character_timeout : iir_bits::received_data;
    } else if ((ier_ & ier_bits::thr_empty) != 0 && thre_pending_) {
        id = iir_bits::thr_empty;
    } else if ((ier_ & ier_bits::modem_status) != 0 && msr_delta_ != 0) {
        id = iir_bits::modem_status;
    }
    return static_cast<std::uint8_t>(id | (fifo_enabled() ? iir_bits::fifos_enabled : 0));
}

std::uint8_t Uart16550::line_status() const {
    return static_cast<std::uint8_t>(lsr_bits::thr_empty | lsr_bits::transmitter_empty |
                                     (rx_count_ > 0 ? lsr_bits::data_ready : 0) | (overrun_ ? lsr_bits::overrun : 0));
}

std::size_t Uart16550::input_room() const { return loopback() ? 0 : receiver_capacity() - rx_count_; }

std::size_t Uart16550::receive(const std::uint8_t* bytes, std::size_t length) {
    const std::size_t room = input_room();
    const std::size_t taken = length < room ? length : room;
    for (std::size_t i = 0; i < taken; ++i) {
        rx_[(rx_head_ + rx_count_++) % fifo_size] = bytes[i];
    }
    update_irq();
    return taken;
}

std::uint8_t Uart16550::take_received() {
    if (rx_count_ == 0) {
        return 0;
    }
    const std::uint8_t byte = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % fifo_size;
    --rx_count_;
    return byte;
}

void Uart16550::push_received(std::uint8_t byte) {
    if (rx_count_ == receiver_capacity()) {
        overrun_ = true;  // the new character is lost (section 8.4, LSR1)
        return;
    }
    rx_[(rx_head_ + rx_count_++) % fifo_size] = byte;
}

void Uart16550::transmit(std::uint8_t byte) {
    // Writing THR clears the transmitter-empty interrupt; the byte leaves
    // at once, THR is empty again and the interrupt returns. The line falls
    // and rises, so an edge-triggered controller sees the new interrupt.
    thre_pending_ = false;
    update_irq();
    if (loopback()) {
        push_received(byte);
    } else {
        const char c = static_cast<char>(byte);
        console_.put(&c, 1);
    }
    thre_pending_ = true;
}

void Uart16550::write_ier(std::uint8_t value) {
    const std::uint8_t changed = ier_ ^ value;
    ier_ = value;
    // Enabling the transmitter-empty interrupt while THR is empty (always)
    // raises it; Linux's 8250 driver probes for exactly that.
    if ((changed & ier_bits::thr_empty) != 0) {
        thre_pending_ = (value & ier_bits::thr_empty) != 0;
    }
}

void Uart16550::write_fcr(std::uint8_t value) {
    // Switching the FIFOs on or off empties them; the other bits are
    // programmed only together with FCR0 (FCR0 description).
    if (((value ^ fcr_) & fcr_bits::enable) != 0 ||
        (value & (fcr_bits::enable | fcr_bits::clear_receiver)) == (fcr_bits::enable | fcr_bits::clear_receiver)) {
        rx_head_ = rx_count_ = 0;
    }
    fcr_ =
        (value & fcr_bits::enable) != 0 ? static_cast<std::uint8_t>(value & (fcr_bits::enable | fcr_bits::trigger)) : 0;
}

void Uart16550::write_mcr(std::uint8_t value) {
    mcr_ = value & mcr_bits::writable;
    // Delta bits (MSR 3:0): CTS, DSR and DCD changed; RI went from on to off.
    const std::uint8_t inputs = modem_inputs();
    const std::uint8_t changed = inputs ^ last_inputs_;
    const std::uint8_t ri_trailing = last_inputs_ & ~inputs & 0x40;
    msr_delta_ |= static_cast<std::uint8_t>(((changed & 0x10) >> 4) | ((changed & 0x20) >> 4) | (ri_trailing >> 4) |
                                            ((changed & 0x80) >> 4));
    last_inputs_ = inputs;
}

void Uart16550::update_irq() {
    // On a PC the UART's interrupt reaches the bus only through OUT2; in
    // loopback OUT2 drives DCD instead of the pin (section 8.6).
    const bool level = (interrupt_id() & iir_bits::none) == 0 && (mcr_ & mcr_bits::out2) != 0 && !loopback();
    if (level != irq_level_) {
        irq_level_ = level;
        irq_.set(level);
    }
}

// Accesses wider than a byte reach the register at the offset with their
// low byte, as on an ISA bus that splits nothing.
std::uint64_t Uart16550::read(std::uint64_t offset, unsigned /*size*/) {
    std::uint8_t value = 0xff;
    switch (offset) {
        case rbr_thr:
            value = dlab() ? dll_ : take_received();
            break;
        case ier:
            value = dlab() ? dlm_ : ier_;
            break;
        case iir_fcr:
            value = interrupt_id();
            if ((value & 0x0f) == iir_bits::thr_empty) {
                thre_pending_ = false;  // reading IIR clears THRE when it is the source
            }
            break;
        case lcr:
            value = lcr_;
            break;
        case mcr:
            value = mcr_;
            break;
        case lsr:
            value = line_status();
            overrun_ = false;
            break;
        case msr:
            value = static_cast<std::uint8_t>(modem_inputs() | msr_delta_);
            msr_delta_ = 0;
            break;
        case scr:
            value = scr_;
            break;
        default:
            break;
    }
    update_irq();
    return value;
}

Outcome Uart16550::write(std::uint64_t offset, unsigned /*size*/, std::uint64_t value) {
    const auto byte = static_cast<std::uint8_t>(value);
    switch (offset) {
        case rbr_thr:
            if (dlab()) {
                dll_ = byte;
            } else {
                transmit(byte);
            }
            break;
        case ier:
            if (dlab()) {
                dlm_ = byte;
            } else {
                write_ier(byte & 0x0f);
            }
            break;
        case iir_fcr:
            write_fcr(byte);
            break;
        case lcr:
            lcr_ = byte;
            break;
        case mcr:
            write_mcr(byte);
            break;
        case scr:
            scr_ = byte;
            break;
        default:  // LSR and MSR are read-only
            break;
    }
    update_irq();
    return Outcome::resume();
}

}  // namespace septum::vmm
