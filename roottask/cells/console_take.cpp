#include "cells/console_take.hpp"

namespace septum::roottask {

namespace {

// A new period begins every `period` ticks after the first; a reader that
// looked long ago skips the periods it missed.
void advance(const ConsoleLimit& limit, std::uint64_t now, ConsoleAllowance& a) {
    if (limit.period == 0 || now - a.period_start < limit.period || now < a.period_start) {
        return;
    }
    a.period_start += (now - a.period_start) / limit.period * limit.period;
    a.taken = 0;
}

}  // namespace

ConsoleTake plan_take(std::uint64_t written, std::uint64_t read, std::uint64_t ring_size, std::uint64_t now,
                      const ConsoleLimit& limit, ConsoleAllowance& allowance) {
    ConsoleTake t;
    if (written < read) {
        t.misbehaved = true;  // a count that goes back: skip to it
        t.from = t.to = written;
        return t;
    }
    t.from = read;
    if (written - read > ring_size) {
        t.from = written - ring_size;  // overwritten before they were read
        t.lost = t.from - read;
    }
    std::uint64_t n = written - t.from;
    if (limit.period != 0) {
        advance(limit, now, allowance);
        const std::uint64_t left =
            allowance.taken < limit.bytes_per_period ? limit.bytes_per_period - allowance.taken : 0;
        n = n < left ? n : left;  // the rest waits in the ring
        allowance.taken += n;
    }
    t.to = t.from + n;
    return t;
}

}  // namespace septum::roottask
