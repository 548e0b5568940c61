// The root task's side of running cells: it reads each cell's console ring
// when the cell's VMM says it wrote (the console Notification, which the
// root task's thread waits on) and takes each cell's final report (the
// report Endpoint, received by a thread of its own, which passes it on
// through the same Notification); both carry the cell's badge. Reports
// have a thread of their own because a receive on an Endpoint with a
// bound Notification returns the Notification's signal first whenever one
// is pending: a cell that writes to its console without pause would keep
// every report from being received. Nothing a cell writes is
// trusted: the ring's count is checked, lost bytes are counted, and
// console text is printed only behind the cell's name with control
// characters replaced, so a guest cannot forge a line of the test protocol
// or drive the terminal.
//
// The monitor is a service every cell shares, so it runs on a budget of
// its own while it watches cells (a SchedContext bound to the root task's
// thread: not the unlimited top priority the root task has otherwise), and
// what each cell may make it do is bounded: at most
// `console_bytes_per_period` bytes of a cell's console are taken in each of
// the monitor's periods, the rest counted as that cell's lost bytes
// (cells/console_take.hpp). A cell that floods its console loses its own
// bytes; the monitor's time it can use up is the monitor's budget, never
// another cell's.
#pragma once

#include <cstdint>

#include "cells/cell.hpp"
#include "cells/console_take.hpp"
#include "cells/serial_input.hpp"
#include "env.hpp"
#include "septum/user/console.hpp"

namespace septum::roottask {

// The monitor's share of the CPU and of it, what each cell gets.
struct MonitorShare {
    std::uint64_t budget_us;                 // CPU time ...
    std::uint64_t period_us;                 // ... in every period
    std::uint64_t console_bytes_per_period;  // taken from each cell's ring in each period
};
// A tenth of the CPU; 64 bytes every 10 ms is 6,400 bytes a second for each
// cell, the rate of a 57,600-baud UART (what a burst has beyond it waits in
// the cell's ring), which is enough to print and count them all (about 5% of the CPU for eight cells printing at that
// rate, in Bochs). Cells are promised at most the rest: 90%.
inline constexpr MonitorShare monitor_share{description::monitor_budget_us, description::monitor_period_us, 64};

struct CellWatch {
    Cell* cell = nullptr;
    // The first bytes of the console, kept for checks.
    static constexpr std::uint64_t kept_size = 256;
    char kept[kept_size] = {};
    std::uint64_t kept_length = 0;
    // When each of the first bytes arrived (root task's TSC).
    static constexpr std::uint64_t timed_size = 64;
    std::uint64_t arrival[timed_size] = {};
    std::uint64_t received = 0;  // bytes taken from the ring
    std::uint64_t lost = 0;      // bytes overwritten before they were read
    bool misbehaved = false;     // the ring's count went back
    ConsoleAllowance allowance;
    // The line being assembled for printing.
    char line[200] = {};
    std::uint64_t line_length = 0;
    // The report, once the VMM sent it and the monitor took it in.
    bool reported = false;
    std::uint64_t label = 0;
    std::uint64_t code = 0;
    volatile bool posted = false;  // set (after label and code) by the report thread
};

class Monitor {
public:
    // `print`: the console to which complete lines go as "[name] text"
    // (nullptr: keep them only).
    Monitor(const CellLink& link, CellWatch* watches, unsigned count, user::Console* print)
        : link_(link), watches_(watches), count_(count), print_(print) {}

    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;
    ~Monitor() { stop(); }

    // Starts the report thread and puts the root task's thread on the
    // monitor's budget (monitor_share; a SchedContext made from env's
    // pool, as is the thread).
    Status start(Env& env);
    // Takes the root task's thread off the monitor's budget and stops the
    // report thread (also done when the monitor goes).
    void stop();
    // Takes in a report already posted, or waits for the next signal or
    // report and takes it in (reading every ring each time). Returns the
    // index of a cell that reported, or -1.
    int step();
    // Steps until every watched cell has reported.
    void run_to_end();
    // Reads every ring now (also done by step()).
    void drain();
    // Console input (cells/serial_input.hpp): read whenever the monitor is
    // woken, on its budget; COM1 signals the monitor's Notification with
    // serial_input_badge. nullptr: none.
    void set_input(SerialInput* input) { input_ = input; }

private:
    static void receive_reports(std::uint64_t monitor);
    int take_report();
    void drain(CellWatch& w);
    // Bytes of the ring not taken yet (over the period's allowance).
    static bool backlog(const CellWatch& w);
    [[nodiscard]] bool any_backlog() const;
    void take(CellWatch& w, char c, std::uint64_t tsc);
    void flush_line(CellWatch& w);

    const CellLink& link_;  // filled in by make_link, possibly after construction
    CellWatch* watches_;
    unsigned count_;
    user::Console* print_;
    SerialInput* input_ = nullptr;
    ConsoleLimit limit_;
    bool on_budget_ = false;
    user::Thread reports_;
    CPtr report_signal_ = 0;  // the console Notification, badged report_badge
};

}  // namespace septum::roottask
