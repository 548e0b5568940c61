// The machine's console input: the root task reads COM1's receiver and
// passes each byte to the cell that has the console's focus
// (cells/input_focus.hpp), through that cell's input ring, then wakes the
// cell's VMM through the Notification bound to its thread. It is part of
// the console monitor (cells/monitor.hpp): COM1's interrupt (IRQ 4) is
// delivered as a signal of the monitor's Notification, so the monitor's
// thread reads input when it is woken, on the monitor's budget, and a flood
// of typed bytes costs no cell anything.
//
// Input is never dropped: when the focused cell's ring is full the byte
// waits in the root task and the root task stops reading the UART, whose
// receiver then holds what comes (the emulators and a real line's flow
// control hold the rest), until the cell's VMM has taken some and tells the
// monitor (its console Notification). A cell that never takes its input
// therefore holds up the console's input while it has the focus; it holds
// up no other cell's output, and its own output still flows.
#pragma once

#include <cstdint>

#include "cells/cell.hpp"
#include "cells/input_focus.hpp"
#include "env.hpp"

namespace septum::roottask {

// The bit of the monitor's Notification word that says COM1 interrupted
// (cells signal with 1 << their index; reports with bit 63).
inline constexpr std::uint64_t serial_input_badge = std::uint64_t{1} << 62;

class SerialInput {
public:
    // `cells`: the cells, by index (nullptr: none); input goes to those
    // with an input ring. Binds COM1's interrupt to `notification` (badged
    // serial_input_badge here) and turns on the UART's receive interrupt;
    // prints which cell has the focus and how to change it.
    Status start(Env& env, CPtr notification, Cell* const* cells, unsigned count);
    // Moves what COM1 has received to the rings, as far as they have room.
    // `interrupted`: the monitor was woken by COM1 (the line is acknowledged).
    void pump(bool interrupted);

    // Cell `index` has ended: it takes no more input, and a byte waiting
    // for room in its ring is dropped (and said so).
    void cell_ended(unsigned index);

    [[nodiscard]] unsigned focus() const { return focus_.focus(); }

private:
    struct Held {
        bool valid = false;
        std::uint8_t byte = 0;
        unsigned cell = 0;
    };

    bool read_uart(std::uint8_t& byte);
    bool deliver(unsigned cell, std::uint8_t byte);
    void handle(const InputStep& s);
    void print_help();
    void unclaimed(unsigned cell);
    void wake_cells();

    Cell* cells_[max_cells] = {};
    unsigned count_ = 0;
    Report* report_ = nullptr;
    InputFocus focus_{0};
    CPtr irq_ = 0;
    Held held_;
    std::uint32_t to_wake_ = 0;  // cells given bytes since they were last woken
    bool reported_misbehaved_[max_cells] = {};
    std::uint64_t unclaimed_ = 0;  // bytes not delivered since the focus last moved
};

}  // namespace septum::roottask
