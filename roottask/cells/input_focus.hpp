// Which cell the machine's console input goes to, and how a person at the
// console changes that: the escape byte Ctrl-A, then a command, as Xen's
// and QEMU's consoles do it. Decided apart from the UART and the rings so
// the host tests (tests/roottask) and a fuzzer (fuzz/console_input_fuzz.cpp)
// drive it; roottask/cells/serial_input.hpp does the rest.
//
//   Ctrl-A 0 .. Ctrl-A 7   input goes to the cell of that number (its place
//                          in the system description), if it takes input
//   Ctrl-A n               input goes to the next cell that takes input
//   Ctrl-A Ctrl-A          a Ctrl-A goes to the cell
//   Ctrl-A anything else   nothing goes anywhere; the help line is printed
//
// Input goes at first to the first cell that takes input. Every byte the
// console gets is either delivered to exactly one cell or is part of an
// escape; none goes to a cell that is not focused.
#pragma once

#include <cstdint>

namespace septum::roottask {

inline constexpr std::uint8_t input_escape = 0x01;  // Ctrl-A
inline constexpr std::uint8_t input_next = 'n';
inline constexpr unsigned input_cells = 8;  // cells a digit can name (the most a description has)
inline constexpr unsigned no_cell = input_cells;

enum class InputEvent : std::uint8_t {
    none,       // the byte began an escape
    deliver,    // `byte` goes to `cell`
    focus,      // input goes to `cell` from now on
    no_such,    // the escape named `cell`, which takes no input (or is not a digit: no_cell)
    help,       // an escape the console does not know
    unclaimed,  // `byte` goes nowhere: the focused cell takes no input (or none has the focus)
};

struct InputStep {
    InputEvent event = InputEvent::none;
    std::uint8_t byte = 0;
    unsigned cell = no_cell;
};

class InputFocus {
public:
    // `takes_input`: bit i is set if cell i takes input (its ring exists).
    explicit InputFocus(std::uint32_t takes_input);

    // What the next byte from the console means.
    InputStep take(std::uint8_t byte);
    // Cell `cell` takes no more input (it has ended). If it has the focus
    // it keeps it, and what would go to it is unclaimed until the focus
    // moves.
    void withdraw(unsigned cell);
    // The cell input goes to (no_cell if none takes input).
    [[nodiscard]] unsigned focus() const { return focus_; }

private:
    [[nodiscard]] bool takes(unsigned cell) const { return cell < input_cells && (cells_ >> cell & 1) != 0; }
    InputStep command(std::uint8_t byte);
    [[nodiscard]] InputStep to_focus(std::uint8_t byte) const;

    std::uint32_t cells_;
    unsigned focus_ = no_cell;
    bool escaped_ = false;
};

// The root task's side of one cell's input ring (abi::InputRing), whose
// `read` count the cell's VMM writes: it is taken only when it lies
// between the last count taken and what the root task has written, so
// whatever the VMM writes, the root task never overwrites a byte the VMM
// has not taken and never counts more room than the ring has.
struct InputCursor {
    std::uint64_t written = 0;  // the root task's own count
    std::uint64_t read = 0;     // the last plausible count of the VMM's
    bool misbehaved = false;    // the VMM wrote a count outside that range
    std::uint64_t waits = 0;    // times a byte found the ring full and waited for room
};

// Room in the ring after looking at the VMM's count `reported_read`.
std::uint64_t input_room(InputCursor& c, std::uint64_t reported_read, std::uint64_t ring_size);

}  // namespace septum::roottask
