#include "cells/monitor.hpp"

#include "septum/user/cpu.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/syscall.hpp"

namespace septum::roottask {

Status Monitor::start() {
    (void)user::invoke(root_tcb, abi::Invocation::tcb_unbind_notification, {});  // an earlier monitor's
    return user::invoke(root_tcb, abi::Invocation::tcb_bind_notification, {link_.console}).status;
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
    const std::uint64_t read = w.cell->console_read;
    if (written < read) {
        w.misbehaved = true;  // a count that goes back: skip to it
        w.cell->console_read = written;
        return;
    }
    std::uint64_t from = read;
    if (written - read > abi::ConsoleRing::size) {
        from = written - abi::ConsoleRing::size;
        w.lost += from - read;
    }
    const std::uint64_t now = user::rdtsc();
    for (std::uint64_t i = from; i < written; ++i) {
        take(w, ring.bytes[i % abi::ConsoleRing::size], now);
    }
    w.cell->console_read = written;
}

void Monitor::drain() {
    for (unsigned i = 0; i < count_; ++i) {
        drain(watches_[i]);
    }
}

int Monitor::step() {
    const user::Reply r = user::recv(link_.report);
    drain();
    // A signal of the bound Notification ends the receive with label 0;
    // reports have labels from abi::CellReport.
    if (r.status != Status::ok || r.message.info.label == 0) {
        return -1;
    }
    for (unsigned i = 0; i < count_; ++i) {
        CellWatch& w = watches_[i];
        if (r.badge == std::uint64_t{1} << w.cell->index && !w.reported) {
            w.reported = true;
            w.label = r.message.info.label;
            w.code = r.message.mr[0];
            if (w.line_length != 0) {
                flush_line(w);
            }
            return static_cast<int>(i);
        }
    }
    return -1;  // a second report, or a badge no cell has: ignored
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
