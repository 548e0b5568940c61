#include "cells/monitor.hpp"

#include "septum/user/cpu.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/syscall.hpp"

namespace septum::roottask {

namespace {

// The bit of the console Notification's word that says a report was
// posted (cells signal with 1 << their index, below max_cells).
constexpr std::uint64_t report_badge = std::uint64_t{1} << 63;

}  // namespace

// The report thread: takes each cell's first report, hands it to the
// monitor and wakes it. The VMM that sent it stays blocked in its Call
// (nobody replies), so a cell makes this thread run at most once.
void Monitor::receive_reports(std::uint64_t monitor) {
    auto& m = *reinterpret_cast<Monitor*>(monitor);
    for (;;) {
        const user::Reply r = user::recv(m.link_.report);
        if (r.status != Status::ok) {
            continue;
        }
        for (unsigned i = 0; i < m.count_; ++i) {
            CellWatch& w = m.watches_[i];
            if (r.badge == std::uint64_t{1} << w.cell->index && !w.posted) {
                w.label = r.message.info.label;
                w.code = r.message.mr[0];
                w.posted = true;
                (void)user::signal(m.report_signal_);
                break;
            }
        }
    }
}

Status Monitor::start(Env& env) {
    const Result<CPtr> signal = env.mint(link_.console, right_write, report_badge);
    const Result<CPtr> sc = env.make(caps::ObjectKind::sched_context);
    SEPTUM_TRY(signal);
    SEPTUM_TRY(sc);
    report_signal_ = signal.value();
    SEPTUM_TRY(env.spawn(reports_, receive_reports, this, root_priority));
    SEPTUM_TRY(user::invoke(sc.value(), abi::Invocation::sched_context_configure,
                            {monitor_share.budget_us, monitor_share.period_us})
                   .status);
    SEPTUM_TRY(user::invoke(root_tcb, abi::Invocation::tcb_set_sched_context, {sc.value()}).status);
    on_budget_ = true;
    limit_ = ConsoleLimit{monitor_share.console_bytes_per_period, monitor_share.period_us * env.bi->tsc_khz / 1000};
    const std::uint64_t now = user::rdtsc();
    for (unsigned i = 0; i < count_; ++i) {
        watches_[i].allowance = ConsoleAllowance{now, 0};
    }
    return Status::ok;
}

void Monitor::stop() {
    if (reports_.tcb() != 0) {
        (void)user::invoke(reports_.tcb(), abi::Invocation::tcb_suspend, {});
    }
    if (on_budget_) {
        (void)user::invoke(root_tcb, abi::Invocation::tcb_set_sched_context, {0});
        on_budget_ = false;
    }
}

void Monitor::take(CellWatch& w, char c, std::uint64_t tsc) {
    if (w.kept_length < CellWatch::kept_size) {
        w.kept[w.kept_length++] = c;
    }
    if (w.received < CellWatch::timed_size) {
        w.arrival[w.received] = tsc;
    }
    ++w.received;
    if (c == '\n') {
        flush_line(w);
        return;
    }
    // Printable ASCII only: nothing a guest writes reaches the terminal
    // as a control sequence.
    w.line[w.line_length++] = c >= ' ' && c <= '~' ? c : '?';
    if (w.line_length == sizeof(w.line) - 1) {
        flush_line(w);
    }
}

void Monitor::flush_line(CellWatch& w) {
    w.line[w.line_length] = '\0';
    if (print_ != nullptr) {
        print_->print("[{}] {}\n", w.cell->name, static_cast<const char*>(w.line));
    }
    w.line_length = 0;
}

void Monitor::drain(CellWatch& w) {
    const abi::ConsoleRing& ring = *w.cell->console;
    const std::uint64_t written = *static_cast<const volatile std::uint64_t*>(&ring.written);
    const std::uint64_t now = user::rdtsc();
    const ConsoleTake t = plan_take(written, w.cell->console_read, abi::ConsoleRing::size, now, limit_, w.allowance);
    w.misbehaved = w.misbehaved || t.misbehaved;
    w.lost += t.lost;
    for (std::uint64_t i = t.from; i < t.to; ++i) {
        take(w, ring.bytes[i % abi::ConsoleRing::size], now);
    }
    w.cell->console_read = written;
}

void Monitor::drain() {
    for (unsigned i = 0; i < count_; ++i) {
        drain(watches_[i]);
    }
}

// A report the report thread posted and the monitor has not taken in: its
// cell's index, or -1.
int Monitor::take_report() {
    for (unsigned i = 0; i < count_; ++i) {
        CellWatch& w = watches_[i];
        if (w.posted && !w.reported) {
            drain(w);  // what its VMM wrote before it reported
            w.reported = true;
            if (w.line_length != 0) {
                flush_line(w);
            }
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Monitor::step() {
    drain();
    const int posted = take_report();
    if (posted >= 0) {
        return posted;
    }
    const user::Reply woken = user::wait(link_.console);
    if (input_ != nullptr) {
        input_->pump((woken.badge & serial_input_badge) != 0);
    }
    drain();
    return take_report();
}

void Monitor::run_to_end() {
    for (;;) {
        bool all = true;
        for (unsigned i = 0; i < count_; ++i) {
            all = all && watches_[i].reported;
        }
        if (all) {
            return;
        }
        (void)step();
    }
}

}  // namespace septum::roottask
