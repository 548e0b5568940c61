// The root task's side of running cells: it reads each cell's console ring
// when the cell's VMM says it wrote (the console Notification, bound to
// the root task's thread) and takes each cell's final report (the report
// Endpoint); both carry the cell's badge. Nothing a cell writes is
// trusted: the ring's count is checked, lost bytes are counted, and
// console text is printed only behind the cell's name with control
// characters replaced, so a guest cannot forge a line of the test protocol
// or drive the terminal.
#pragma once

#include <cstdint>

#include "cells/cell.hpp"
#include "septum/user/console.hpp"

namespace septum::roottask {

struct CellWatch {
    Cell* cell = nullptr;
    // The first bytes of the console, kept for checks.
    static constexpr std::uint64_t kept_size = 256;
    char kept[kept_size] = {};
    std::uint64_t kept_length = 0;
    // When each of the first bytes arrived (root task's TSC).
    static constexpr std::uint64_t timed_size = 64;
    std::uint64_t arrival[timed_size] = {};
    std::uint64_t received = 0;  // bytes read from the ring
    std::uint64_t lost = 0;      // bytes overwritten before they were read
    bool misbehaved = false;     // the ring's count went back or ran ahead
    // The line being assembled for printing.
    char line[96] = {};
    std::uint64_t line_length = 0;
    // The report, once the VMM sent it.
    bool reported = false;
    std::uint64_t label = 0;
    std::uint64_t code = 0;
};

class Monitor {
public:
    // `print`: the console to which complete lines go as "[name] text"
    // (nullptr: keep them only).
    Monitor(const CellLink& link, CellWatch* watches, unsigned count, user::Console* print)
        : link_(link), watches_(watches), count_(count), print_(print) {}

    // Binds the console Notification to the root task's thread.
    Status start();
    // Waits for the next signal or report and takes it in. Returns the
    // index of a cell that reported, or -1.
    int step();
    // Steps until every watched cell has reported.
    void run_to_end();
    // Reads every ring now (also done by step()).
    void drain();

private:
    void drain(CellWatch& w);
    void take(CellWatch& w, char c, std::uint64_t tsc);
    void flush_line(CellWatch& w);

    const CellLink& link_;  // filled in by make_link, possibly after construction
    CellWatch* watches_;
    unsigned count_;
    user::Console* print_;
};

}  // namespace septum::roottask
