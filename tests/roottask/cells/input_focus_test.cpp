// Where console input goes (roottask/cells/input_focus.hpp), on the host:
// the escapes move the focus only to cells that take input, every byte is
// delivered to the focused cell or is part of an escape, and the room the
// root task sees in a cell's input ring never lets it overwrite a byte the
// VMM has not taken, whatever the VMM writes as its count.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cells/input_focus.hpp"

namespace septum::roottask {
namespace {

constexpr std::uint8_t ctrl_a = input_escape;

// The cells each byte of `typed` went to, as a string of cell digits.
std::string routes(InputFocus& f, const std::string& typed) {
    std::string out;
    for (const char c : typed) {
        const InputStep s = f.take(static_cast<std::uint8_t>(c));
        if (s.event == InputEvent::deliver) {
            out += static_cast<char>('0' + s.cell);
        }
    }
    return out;
}

TEST(InputFocus, StartsOnTheFirstCellThatTakesInput) {
    EXPECT_EQ(InputFocus(0b110).focus(), 1u);
    EXPECT_EQ(InputFocus(0b1).focus(), 0u);
    EXPECT_EQ(InputFocus(0).focus(), no_cell);
}

TEST(InputFocus, CtrlADigitMovesTheFocus) {
    InputFocus f(0b111);
    EXPECT_EQ(f.take('a').event, InputEvent::deliver);
    EXPECT_EQ(f.take(ctrl_a).event, InputEvent::none);
    const InputStep s = f.take('2');
    EXPECT_EQ(s.event, InputEvent::focus);
    EXPECT_EQ(s.cell, 2u);
    EXPECT_EQ(f.focus(), 2u);
    const InputStep b = f.take('b');
    EXPECT_EQ(b.event, InputEvent::deliver);
    EXPECT_EQ(b.cell, 2u);
    EXPECT_EQ(b.byte, 'b');
}

TEST(InputFocus, CtrlACtrlASendsOneCtrlA) {
    InputFocus f(0b1);
    EXPECT_EQ(f.take(ctrl_a).event, InputEvent::none);
    const InputStep s = f.take(ctrl_a);
    EXPECT_EQ(s.event, InputEvent::deliver);
    EXPECT_EQ(s.byte, ctrl_a);
    EXPECT_EQ(f.take('x').byte, 'x');  // the escape is over
}

TEST(InputFocus, ACellThatTakesNoInputCannotHaveTheFocus) {
    InputFocus f(0b101);
    (void)f.take(ctrl_a);
    const InputStep s = f.take('1');
    EXPECT_EQ(s.event, InputEvent::no_such);
    EXPECT_EQ(f.focus(), 0u);
    (void)f.take(ctrl_a);
    EXPECT_EQ(f.take('9').event, InputEvent::no_such);
    EXPECT_EQ(f.focus(), 0u);
}

TEST(InputFocus, CtrlANGoesRoundTheCellsThatTakeInput) {
    InputFocus f(0b10110);
    std::vector<unsigned> seen;
    for (int i = 0; i < 4; ++i) {
        (void)f.take(ctrl_a);
        const InputStep s = f.take(input_next);
        EXPECT_EQ(s.event, InputEvent::focus);
        seen.push_back(s.cell);
    }
    EXPECT_EQ(seen, (std::vector<unsigned>{2, 4, 1, 2}));
}

TEST(InputFocus, AnUnknownEscapeAsksForHelpAndDeliversNothing) {
    InputFocus f(0b1);
    (void)f.take(ctrl_a);
    EXPECT_EQ(f.take('?').event, InputEvent::help);
    EXPECT_EQ(f.focus(), 0u);
}

TEST(InputFocus, AWithdrawnCellKeepsTheFocusButGetsNothing) {
    InputFocus f(0b11);
    f.withdraw(0);
    const InputStep s = f.take('a');
    EXPECT_EQ(s.event, InputEvent::unclaimed);
    EXPECT_EQ(s.cell, 0u);
    (void)f.take(ctrl_a);
    EXPECT_EQ(f.take('0').event, InputEvent::no_such);
    EXPECT_EQ(routes(f,
                     "\x01n"
                     "b"),
              "1");
}

TEST(InputFocus, WithNoCellNothingIsDelivered) {
    InputFocus f(0);
    EXPECT_EQ(f.take('a').event, InputEvent::unclaimed);
    (void)f.take(ctrl_a);
    EXPECT_EQ(f.take(input_next).event, InputEvent::no_such);
    (void)f.take(ctrl_a);
    EXPECT_EQ(f.take(ctrl_a).event, InputEvent::unclaimed);
}

TEST(InputFocus, TypedTextReachesOnlyTheFocusedCell) {
    InputFocus f(0b11);
    EXPECT_EQ(routes(f,
                     "ab\x01"
                     "1cd\x01"
                     "0e"),
              "00110");
}

// Any byte sequence: every byte delivered goes to the cell that had the
// focus then, which is always one that takes input; the focus moves only
// at an escape; bytes outside escapes are delivered one for one.
RC_GTEST_PROP(InputFocusProperty, BytesGoOnlyWhereTheFocusIs, (std::vector<std::uint8_t> typed)) {
    const auto cells = *rc::gen::inRange<std::uint32_t>(1, 256);
    InputFocus f(cells);
    bool escaped = false;
    for (const std::uint8_t b : typed) {
        const unsigned before = f.focus();
        const InputStep s = f.take(b);
        RC_ASSERT((cells >> f.focus() & 1) != 0);
        if (!escaped) {
            RC_ASSERT(f.focus() == before);
            if (b == ctrl_a) {
                RC_ASSERT(s.event == InputEvent::none);
                escaped = true;
                continue;
            }
            RC_ASSERT(s.event == InputEvent::deliver);
            RC_ASSERT(s.byte == b);
            RC_ASSERT(s.cell == before);
            continue;
        }
        escaped = false;
        if (s.event == InputEvent::deliver) {
            RC_ASSERT(b == ctrl_a && s.cell == before && s.byte == ctrl_a);
        } else if (s.event != InputEvent::focus) {
            RC_ASSERT(f.focus() == before);
        }
    }
}

TEST(InputRoom, AnEmptyRingHasAllItsRoom) {
    InputCursor c;
    EXPECT_EQ(input_room(c, 0, 100), 100u);
    c.written = 30;
    EXPECT_EQ(input_room(c, 10, 100), 80u);
    EXPECT_EQ(c.read, 10u);
    EXPECT_FALSE(c.misbehaved);
}

TEST(InputRoom, ACountOutsideWhatWasWrittenIsNotTaken) {
    InputCursor c{50, 20, false};
    EXPECT_EQ(input_room(c, 60, 100), 70u);  // ahead of what was written
    EXPECT_TRUE(c.misbehaved);
    EXPECT_EQ(c.read, 20u);
    EXPECT_EQ(input_room(c, 10, 100), 70u);  // back
    EXPECT_EQ(c.read, 20u);
}

// Whatever the VMM writes as its count, the bytes the root task has
// written and the VMM has not (plausibly) taken never exceed the ring, and
// the room the root task is told of is exactly what is left.
RC_GTEST_PROP(InputRoomProperty, NeverMoreThanARingOutstanding, ()) {
    constexpr std::uint64_t size = 64;
    InputCursor c;
    const auto rounds = *rc::gen::inRange(1, 100);
    for (int r = 0; r < rounds; ++r) {
        const std::uint64_t reported =
            *rc::gen::oneOf(rc::gen::just(c.written), rc::gen::inRange<std::uint64_t>(c.read, c.written + 1),
                            rc::gen::arbitrary<std::uint64_t>());
        const std::uint64_t before = c.read;
        const std::uint64_t room = input_room(c, reported, size);
        RC_ASSERT(c.read >= before);
        RC_ASSERT(c.read <= c.written);
        RC_ASSERT(room == size - (c.written - c.read));
        c.written += *rc::gen::inRange<std::uint64_t>(0, room + 1);
        RC_ASSERT(c.written - c.read <= size);
    }
}

}  // namespace
}  // namespace septum::roottask
