#include "cells/input_focus.hpp"

namespace septum::roottask {

InputFocus::InputFocus(std::uint32_t takes_input) : cells_(takes_input & ((1u << input_cells) - 1)) {
    for (unsigned i = 0; i < input_cells; ++i) {
        if (takes(i)) {
            focus_ = i;
            break;
        }
    }
}

InputStep InputFocus::take(std::uint8_t byte) {
    if (escaped_) {
        escaped_ = false;
        return command(byte);
    }
    if (byte == input_escape) {
        escaped_ = true;
        return {};
    }
    return to_focus(byte);
}

void InputFocus::withdraw(unsigned cell) {
    if (cell < input_cells) {
        cells_ &= ~(1u << cell);
    }
}

InputStep InputFocus::to_focus(std::uint8_t byte) const {
    if (!takes(focus_)) {
        return {InputEvent::unclaimed, byte, focus_};
    }
    return {InputEvent::deliver, byte, focus_};
}

InputStep InputFocus::command(std::uint8_t byte) {
    if (byte == input_escape) {
        return to_focus(byte);
    }
    if (byte >= '0' && byte <= '9') {
        const unsigned cell = byte - '0';
        if (!takes(cell)) {
            return {InputEvent::no_such, byte, cell};
        }
        focus_ = cell;
        return {InputEvent::focus, byte, cell};
    }
    if (byte == input_next) {
        const unsigned from = focus_ == no_cell ? 0 : focus_;
        for (unsigned step = 1; step <= input_cells; ++step) {
            const unsigned cell = (from + step) % input_cells;
            if (takes(cell)) {
                focus_ = cell;
                return {InputEvent::focus, byte, cell};
            }
        }
        return {InputEvent::no_such, byte, no_cell};
    }
    return {InputEvent::help, byte, no_cell};
}

std::uint64_t input_room(InputCursor& c, std::uint64_t reported_read, std::uint64_t ring_size) {
    if (reported_read >= c.read && reported_read <= c.written) {
        c.read = reported_read;
    } else {
        c.misbehaved = true;
    }
    const std::uint64_t used = c.written - c.read;
    return used < ring_size ? ring_size - used : 0;
}

}  // namespace septum::roottask
