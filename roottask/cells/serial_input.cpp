#include "cells/serial_input.hpp"

#include "septum/abi/cell.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/syscall.hpp"

namespace septum::roottask {

namespace {

// COM1 as the kernel set it up (kernel/arch/x86_64/serial.cpp: 115200 8N1,
// FIFO on); the root task adds the receive interrupt. PC16550D data sheet,
// Table II.
constexpr std::uint64_t com1 = 0x3f8;
constexpr unsigned com1_irq = 4;
constexpr std::uint64_t reg_data = 0, reg_ier = 1, reg_mcr = 4, reg_lsr = 5;
constexpr std::uint64_t ier_received = 0x01;
// DTR and RTS as the kernel set them, and OUT2, which on a PC connects the
// UART's interrupt output to the interrupt controller.
constexpr std::uint64_t mcr_dtr_rts_out2 = 0x0b;
constexpr std::uint64_t lsr_data_ready = 0x01, lsr_overrun = 0x02;

Result<std::uint64_t> in(std::uint64_t reg) {
    const user::Reply r = user::invoke(root_io_ports, abi::Invocation::io_port_in, {com1 + reg, 1});
    SEPTUM_TRY(r.status);
    return r.message.mr[0];
}

Status out(std::uint64_t reg, std::uint64_t value) {
    return user::invoke(root_io_ports, abi::Invocation::io_port_out, {com1 + reg, 1, value}).status;
}

std::uint32_t with_rings(Cell* const* cells, unsigned count) {
    std::uint32_t bits = 0;
    for (unsigned i = 0; i < count && i < max_cells; ++i) {
        if (cells[i] != nullptr && cells[i]->input != nullptr) {
            bits |= 1u << i;
        }
    }
    return bits;
}

}  // namespace

Status SerialInput::start(Env& env, CPtr notification, Cell* const* cells, unsigned count) {
    for (unsigned i = 0; i < max_cells; ++i) {
        cells_[i] = i < count ? cells[i] : nullptr;
    }
    count_ = count < max_cells ? count : max_cells;
    report_ = env.report;
    focus_ = InputFocus(with_rings(cells_, count_));
    if (env.bi->irqs.count <= com1_irq) {
        return Status::out_of_range;
    }
    irq_ = env.bi->irqs.first + com1_irq;
    SEPTUM_TRY(user::invoke(irq_, abi::Invocation::irq_handler_set_notification, {notification}).status);
    SEPTUM_TRY(out(reg_mcr, mcr_dtr_rts_out2));
    SEPTUM_TRY(out(reg_ier, ier_received));
    print_help();
    pump(false);  // what arrived before the interrupt was on
    return Status::ok;
}

void SerialInput::print_help() {
    if (focus_.focus() == no_cell) {
        report_->info("console.input", "no cell takes input");
        return;
    }
    const Cell& c = *cells_[focus_.focus()];
    report_->info("console.input",
                  "input goes to cell {} ({}); Ctrl-A then a cell's number switches, Ctrl-A n goes to the next, "
                  "Ctrl-A Ctrl-A sends Ctrl-A",
                  c.index, c.name);
    for (unsigned i = 0; i < count_; ++i) {
        if (cells_[i] != nullptr && cells_[i]->input != nullptr) {
            report_->out().print("  cell {}: {}\n", i, cells_[i]->name);
        }
    }
}

bool SerialInput::read_uart(std::uint8_t& byte) {
    const Result<std::uint64_t> lsr = in(reg_lsr);
    if (!lsr.ok()) {
        return false;
    }
    if ((lsr.value() & lsr_overrun) != 0) {
        report_->info("console.input", "the machine's UART lost input (overrun) before the root task read it");
    }
    if ((lsr.value() & lsr_data_ready) == 0) {
        return false;
    }
    const Result<std::uint64_t> data = in(reg_data);
    if (!data.ok()) {
        return false;
    }
    byte = static_cast<std::uint8_t>(data.value());
    return true;
}

bool SerialInput::deliver(unsigned cell, std::uint8_t byte) {
    Cell& c = *cells_[cell];
    abi::InputRing& ring = *c.input;
    const std::uint64_t reported = *static_cast<volatile const std::uint64_t*>(&ring.read);
    if (input_room(c.input_cursor, reported, abi::InputRing::size) == 0) {
        if (c.input_cursor.misbehaved && !reported_misbehaved_[cell]) {
            reported_misbehaved_[cell] = true;
            report_->info("console.input", "cell {} ({}): its VMM wrote an input count that cannot be", cell, c.name);
        }
        return false;
    }
    ring.bytes[c.input_cursor.written % abi::InputRing::size] = static_cast<char>(byte);
    // The count moves after the byte is in place: the VMM never takes a
    // byte before it is written.
    asm volatile("" ::: "memory");
    ++c.input_cursor.written;
    *static_cast<volatile std::uint64_t*>(&ring.written) = c.input_cursor.written;
    to_wake_ |= 1u << cell;
    return true;
}

void SerialInput::handle(const InputStep& s) {
    switch (s.event) {
        case InputEvent::deliver:
            if (!deliver(s.cell, s.byte)) {
                held_ = Held{true, s.byte, s.cell};
                ++cells_[s.cell]->input_cursor.waits;
            }
            break;
        case InputEvent::focus:
            unclaimed_ = 0;
            report_->info("console.input", "input goes to cell {} ({})", s.cell, cells_[s.cell]->name);
            break;
        case InputEvent::no_such:
            report_->info("console.input", "no cell {} takes input; input still goes to cell {}",
                          static_cast<char>(s.byte), focus_.focus());
            break;
        case InputEvent::help:
            print_help();
            break;
        case InputEvent::unclaimed:
            unclaimed(s.cell);
            break;
        case InputEvent::none:
            break;
    }
}

// Input the focused cell does not take is not delivered anywhere; the
// first byte after each move of the focus says so.
void SerialInput::unclaimed(unsigned cell) {
    if (unclaimed_++ != 0) {
        return;
    }
    if (cell < count_ && cells_[cell] != nullptr) {
        report_->info("console.input", "cell {} ({}) takes no input (it has ended): what is typed is not delivered",
                      cell, cells_[cell]->name);
    } else {
        report_->info("console.input", "no cell takes input: what is typed is not delivered");
    }
}

void SerialInput::cell_ended(unsigned index) {
    focus_.withdraw(index);
    if (held_.valid && held_.cell == index) {
        held_.valid = false;
        unclaimed(index);
    }
    if (irq_ != 0 && index < count_ && cells_[index] != nullptr && cells_[index]->input != nullptr) {
        const Cell& c = *cells_[index];
        report_->info("console.input",
                      "cell {} ({}) ended: {} bytes of input delivered, {} of them after waiting "
                      "for room in its ring{}",
                      index, c.name, c.input_cursor.written, c.input_cursor.waits,
                      c.input_cursor.misbehaved ? "; its VMM's count misbehaved" : "");
    }
}

void SerialInput::wake_cells() {
    for (unsigned i = 0; i < count_; ++i) {
        if ((to_wake_ >> i & 1) != 0) {
            (void)user::signal(cells_[i]->wake);
        }
    }
    to_wake_ = 0;
}

void SerialInput::pump(bool interrupted) {
    if (irq_ == 0) {
        return;
    }
    if (held_.valid && deliver(held_.cell, held_.byte)) {
        held_.valid = false;
    }
    std::uint8_t byte = 0;
    while (!held_.valid && read_uart(byte)) {
        handle(focus_.take(byte));
    }
    wake_cells();
    if (interrupted) {
        (void)user::invoke(irq_, abi::Invocation::irq_handler_ack, {});
    }
}

}  // namespace septum::roottask
