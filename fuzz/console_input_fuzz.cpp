// The console's input focus (roottask/cells/input_focus.hpp) on any bytes
// typed, and the root task's view of a cell's input ring under any count a
// VMM writes. Input: a byte saying which cells take input, then pairs of
// bytes: a typed byte, and a byte whose high bits pick a cell to withdraw
// or the VMM's next count. Oracles: the focus only ever rests on a cell
// that took input when it got it; a byte delivered goes to the focused
// cell that takes input; outside an escape the focus never moves; the
// ring's outstanding bytes never exceed its size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cells/input_focus.hpp"

namespace {

using namespace septum::roottask;

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    std::uint32_t cells = data[0];
    InputFocus f(cells);
    InputCursor c;
    constexpr std::uint64_t ring = 16;
    bool escaped = false;
    for (std::size_t i = 1; i + 1 < size; i += 2) {
        const std::uint8_t typed = data[i], extra = data[i + 1];
        const unsigned before = f.focus();
        const bool took = before < input_cells && (cells >> before & 1) != 0;
        const InputStep s = f.take(typed);
        if (s.event == InputEvent::deliver) {
            check(took && s.cell == before && s.byte == typed);
        }
        if (!escaped || s.event != InputEvent::focus) {
            check(f.focus() == before);
        } else {
            check((cells >> f.focus() & 1) != 0);
        }
        escaped = !escaped && typed == input_escape;
        if ((extra & 0xc0) == 0xc0) {
            f.withdraw(extra & 7);
            cells &= ~(1u << (extra & 7));
        } else {
            const std::uint64_t reported = (extra & 0x80) != 0 ? c.written - (extra & 0x3f) : c.read + (extra & 0x3f);
            const std::uint64_t room = input_room(c, reported, ring);
            check(c.read <= c.written && c.written - c.read <= ring && room == ring - (c.written - c.read));
            c.written += room < (extra & 3) ? room : (extra & 3);
        }
    }
    return 0;
}
