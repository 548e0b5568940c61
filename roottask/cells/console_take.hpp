// What the console monitor takes from a cell's ring each time it looks
// (roottask/cells/monitor.hpp), decided apart from the ring's memory so the
// host tests (tests/roottask) can drive it. The monitor is a shared
// service on a budget of its own; what it spends on one cell's console is
// bounded per cell: at most `bytes_per_period` bytes in each of its
// periods. What a cell writes beyond that waits in its ring for the next
// periods (the console of a UART at 57,600 baud); only what the cell
// overwrites before it is taken is lost, counted as its lost bytes. A cell
// cannot make the monitor spend another cell's share.
//
// Nothing in the ring is trusted: its count may go back or run ahead.
#pragma once

#include <cstdint>

namespace septum::roottask {

struct ConsoleLimit {
    std::uint64_t bytes_per_period = 0;
    std::uint64_t period = 0;  // TSC ticks; 0: no limit
};

// What one cell has had in the current period.
struct ConsoleAllowance {
    std::uint64_t period_start = 0;  // TSC
    std::uint64_t taken = 0;         // bytes taken in the period
};

// Bytes [from, to) of the ring's count are taken; `lost` bytes before
// them are not (overwritten before they were read); bytes after them wait
// for the next period; `misbehaved`: the count went back.
struct ConsoleTake {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::uint64_t lost = 0;
    bool misbehaved = false;
};

// Decides what to take when the ring's count is `written`, `read` bytes
// were consumed before and it is `now`. Afterwards the reader has
// consumed `to` (every byte before it is either taken or lost).
// `allowance` is brought up to date.
ConsoleTake plan_take(std::uint64_t written, std::uint64_t read, std::uint64_t ring_size, std::uint64_t now,
                      const ConsoleLimit& limit, ConsoleAllowance& allowance);

}  // namespace septum::roottask
