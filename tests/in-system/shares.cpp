// Shares of the CPU: a cell promised half the CPU gets half of it, to
// within 5%, whatever its neighbour does. The measuring cell runs the
// share guest (guests/share.S), which measures with its own TSC the share
// of the time it ran over 32 windows of one period each; its cell's period
// is one window long. Beside it runs an adversarial neighbour: an exit
// storm, a guest that spins with interrupts masked, a guest its VMM stops
// at once (and one it resets twice), an I/O and MSR sweep, a console flood,
// or a tick-dodging VMM; or a second measuring cell. Without VT-x (QEMU)
// the checks are skipped and say so.
//
// What is asserted: the share the guest measured, in per-mille, lies
// within 5% (relative) of the share its SchedContext promises
// (budget / period = 1/2): 475 <= share <= 525. The neighbour is held to
// what it must do (stopped, reset, answered), and the console monitor
// took no more of its console than its allowance. The least share of
// a single window is printed, not asserted: a window need not line up with
// the kernel's periods, so a cell that runs early in one period and late
// in the next has a window with nothing in it.
#include <cstring>

#include "cells.hpp"
#include "common.hpp"
#include "dodger.hpp"
#include "registry.hpp"
#include "share.h"

namespace septum::roottask {

namespace {

// The promise, per mille of the CPU, and the tolerance, per cent of it.
constexpr std::uint64_t promised = 500;
constexpr std::uint64_t tolerance_percent = 5;

bool kept(std::uint64_t share) {
    return share * 100 >= promised * (100 - tolerance_percent) && share * 100 <= promised * (100 + tolerance_percent);
}

// What the share guest said: "share S worst W gaps G\n".
struct Measured {
    bool ok = false;
    std::uint64_t share = 0;
    std::uint64_t worst = 0;
    std::uint64_t gaps = 0;
};

// Reads a word and then a decimal number at `at`; false if they are not there.
bool field(const CellWatch& w, std::uint64_t& at, const char* word, std::uint64_t& value) {
    const std::size_t n = std::strlen(word);
    if (at + n > w.kept_length || std::memcmp(w.kept + at, word, n) != 0) {
        return false;
    }
    at += n;
    value = 0;
    const std::uint64_t first = at;
    while (at < w.kept_length && w.kept[at] >= '0' && w.kept[at] <= '9' && at - first < 9) {
        value = value * 10 + static_cast<std::uint64_t>(w.kept[at++] - '0');
    }
    return at > first;
}

Measured measured(const CellWatch& w) {
    Measured m;
    std::uint64_t at = 0;
    m.ok = reported(w, abi::CellReport::stopped, SHARE_EXIT_CODE) && field(w, at, "share ", m.share) &&
           field(w, at, " worst ", m.worst) && field(w, at, " gaps ", m.gaps) && at + 1 == w.kept_length &&
           w.kept[at] == '\n';
    return m;
}

// Skips without VT-x; fails without the modules or the kernel's TSC rate.
bool ready(Env& env, const char* name, std::initializer_list<const char*> modules, const abi::ModuleDescription** m) {
    if (skip_without_vmx(env, name) || !find_modules(env, name, modules, m)) {
        return false;
    }
    return env.bi->tsc_khz != 0 || env.report->check(false, name, "no TSC rate from the kernel (BootInfo.tsc_khz 0)");
}

// A cell's share of the CPU, per mille: `share` in every period, a period
// one share window (guests/share.h) of the kernel's TSC long.
CellSpec with_share(const Env& env, CellSpec s, std::uint64_t share) {
    const std::uint64_t khz = env.bi->tsc_khz;
    s.period_us = ((std::uint64_t{1} << SHARE_WINDOW_SHIFT) * 1000 + khz / 2) / khz;
    s.budget_us = s.period_us * share / 1000;
    return s;
}

// The measuring cell: the share guest on half the CPU.
CellSpec measuring(const Env& env, const char* name, const abi::ModuleDescription* vmm,
                   const abi::ModuleDescription* guest) {
    return with_share(env, spec_of(name, vmm, guest), promised);
}

// The neighbour's share: what the measuring cell and the console monitor
// (cells/monitor.hpp) leave, so that no more than the whole CPU is promised.
constexpr std::uint64_t neighbour_share = 1000 - promised - monitor_share.budget_us * 1000 / monitor_share.period_us;

// What an adversarial neighbour's cell must do.
struct Expected {
    bool reports;
    abi::CellReport label;
    std::uint64_t code;
    const char* console;  // what it must have written (nullptr: not checked) ...
    std::uint64_t max_resets;
    bool console_prefix = false;  // ... or begun with
};

// The monitor took no more of a cell's console than its allowance: at most
// console_bytes_per_period in each of the monitor's periods the run touched.
bool within_allowance(const Env& env, const CellWatch& w, std::uint64_t ticks) {
    const std::uint64_t period = monitor_share.period_us * env.bi->tsc_khz / 1000;
    return w.received <= monitor_share.console_bytes_per_period * (ticks / period + 2);
}

bool console_matches(const CellWatch& w, const Expected& e) {
    if (e.console == nullptr) {
        return true;
    }
    const std::size_t n = std::strlen(e.console);
    return e.console_prefix ? w.kept_length >= n && std::memcmp(w.kept, e.console, n) == 0 : kept_equals(w, e.console);
}

// Two cells side by side, each VMM at priority 100, watched as the
// product watches them: the monitor prints their lines. (Cells are
// stopped when the test's objects go.)
struct Pair {
    CellLink link;
    Cell cells[2];
    CellWatch watches[2];
    Monitor monitor;
    explicit Pair(Env& env) : monitor(link, watches, 2, &env.report->out()) {
        watches[0].cell = &cells[0];
        watches[1].cell = &cells[1];
    }
};

bool start_pair(Env& env, const char* name, const CellSpec& first, const CellSpec& second, Pair& p) {
    return env.report->setup(make_link(env, p.link), name, "link") &&
           env.report->setup(build_cell(env, first, p.link, 0, p.cells[0]), name, first.name) &&
           env.report->setup(build_cell(env, second, p.link, 1, p.cells[1]), name, second.name) &&
           env.report->setup(p.monitor.start(env), name, "monitor");
}

// The neighbour (cell 0) beside the measuring cell (cell 1). Runs until
// the measuring cell and, when it must report, the neighbour have
// reported.
void beside(Env& env, const char* name, const char* adversary, const Expected& expected) {
    const abi::ModuleDescription* m[3] = {};
    if (!ready(env, name, {"vmm-server", "guest-share", adversary}, m)) {
        return;
    }
    CellSpec bad = with_share(env, spec_of("neighbour", m[0], m[2]), neighbour_share);
    bad.max_resets = expected.max_resets;
    Pair p(env);
    if (!start_pair(env, name, bad, measuring(env, "share", m[0], m[1]), p)) {
        return;
    }
    const CellWatch* watches = p.watches;
    Monitor& monitor = p.monitor;
    const std::uint64_t began = user::rdtsc();
    while (!watches[1].reported || (expected.reports && !watches[0].reported)) {
        (void)monitor.step();
    }
    const std::uint64_t ticks = user::rdtsc() - began;
    monitor.stop();
    const Measured s = measured(watches[1]);
    bool contained = !expected.reports || reported(watches[0], expected.label, expected.code);
    contained = contained && console_matches(watches[0], expected) && within_allowance(env, watches[0], ticks);
    env.report->check(s.ok && kept(s.share) && contained, name,
                      "measured share {}/1000 of the CPU (promised {}, within {}%), least in one period {}, off the "
                      "CPU {} times; neighbour on {}/1000 {}: label {} code {:x}, {} console bytes taken in {} TSC "
                      "(at most {} per {} us), {} lost \"{}\"",
                      s.share, promised, tolerance_percent, s.worst, s.gaps, neighbour_share,
                      expected.reports ? "reported" : "bounded by its budget", watches[0].label, watches[0].code,
                      watches[0].received, ticks, monitor_share.console_bytes_per_period, monitor_share.period_us,
                      watches[0].lost, static_cast<const char*>(Shown(watches[0]).text));
}

void storm(Env& env) { beside(env, "share.beside-storm", "guest-storm", {false, {}, 0, nullptr, 0}); }
// Spinning with interrupts masked, never exiting: only the preemption
// timer takes the CPU back, and the budget bounds the cell.
void spin(Env& env) { beside(env, "share.beside-spin", "guest-spin", {false, {}, 0, nullptr, 0}); }
// Writing past its memory: its VMM stops it at guest-physical 0x20000.
void walker(Env& env) {
    beside(env, "share.beside-walker", "guest-walker", {true, abi::CellReport::failed, 0x20000, nullptr, 0});
}
// Triple faults: its VMM resets it twice (it starts three times), then
// stops it (Action::reset, reported as 3).
void restart(Env& env) {
    beside(env, "share.beside-restart", "guest-triple", {true, abi::CellReport::failed, 3, "up\nup\nup\n", 2});
}
// Every I/O port and every MSR of the defined ranges: its VMM answers each
// (all ones, dropped writes, #GP) and the guest finishes; only the count of
// refused MSR accesses depends on the allow list.
void prober(Env& env) {
    beside(env, "share.beside-prober", "guest-prober", {true, abi::CellReport::stopped, 0x11, "probed, #GP ", 0, true});
}
// A line to its console over and over, never stopping.
void flood(Env& env) {
    beside(env, "share.beside-flood", "guest-flood",
           {false, {}, 0, "flood: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST\n", 0, true});
}

// Two measuring cells, each on half the CPU: both get their half.
void two_busy(Env& env) {
    const char* name = "share.two-busy-cells";
    const abi::ModuleDescription* m[2] = {};
    if (!ready(env, name, {"vmm-server", "guest-share"}, m)) {
        return;
    }
    Pair p(env);
    if (!start_pair(env, name, measuring(env, "share-a", m[0], m[1]), measuring(env, "share-b", m[0], m[1]), p)) {
        return;
    }
    p.monitor.run_to_end();
    const Measured a = measured(p.watches[0]);
    const Measured b = measured(p.watches[1]);
    env.report->check(a.ok && b.ok && kept(a.share) && kept(b.share), name,
                      "measured shares {}/1000 and {}/1000 of the CPU (each promised {}, within {}%), least in one "
                      "period {} and {}",
                      a.share, b.share, promised, tolerance_percent, a.worst, b.worst);
}

// How long the dodger watches for periodic timer events before it starts:
// several scheduler ticks of a kernel that has them.
constexpr std::uint64_t observe_ticks = std::uint64_t{1} << 22;

// The measuring cell beside a tick-dodging VMM (dodger.hpp) on the other
// half of the CPU, one priority above it.
void dodger(Env& env) {
    const char* name = "share.beside-tick-dodger";
    const abi::ModuleDescription* m[2] = {};
    if (!ready(env, name, {"vmm-server", "guest-share"}, m)) {
        return;
    }
    const CellSpec half = measuring(env, "share", m[0], m[1]);
    const CellSpec other = with_share(env, half, neighbour_share);
    Dodger d;
    d.events = observe_timer_events(observe_ticks);
    d.budget = other.budget_us * env.bi->tsc_khz / 1000;
    CellLink link;
    Cell cell;
    CellWatch watch;
    watch.cell = &cell;
    Monitor monitor(link, &watch, 1, &env.report->out());
    const Result<CPtr> sc = env.make(caps::ObjectKind::sched_context);
    if (!env.report->setup(sc, name, "SchedContext") ||
        !env.report->setup(
            user::invoke(sc.value(), abi::Invocation::sched_context_configure, {other.budget_us, other.period_us})
                .status,
            name, "budget")) {
        return;
    }
    if (!env.report->setup(make_link(env, link), name, "link") ||
        !env.report->setup(build_cell(env, half, link, 0, cell), name, "measuring cell") ||
        !env.report->setup(start_dodger(env, d, sc.value(), static_cast<std::uint8_t>(half.priority + 1)), name,
                           "dodger") ||
        !env.report->setup(monitor.start(env), name, "monitor")) {
        return;
    }
    const std::uint64_t t0 = user::rdtsc();
    monitor.run_to_end();
    const Measured s = measured(watch);
    env.report->check(
        s.ok && kept(s.share), name,
        "measured share {}/1000 of the CPU (promised {}, within {}%), least in one period {}; the "
        "dodger saw {} timer events before it started (every {} TSC), dodged {} times and ran {} TSC of {}",
        s.share, promised, tolerance_percent, s.worst, d.events.seen, d.events.interval, d.dodges, d.ran,
        user::rdtsc() - t0);
}

const TestCase group[] = {
    {"share.beside-storm", storm},        {"share.beside-spin", spin},        {"share.beside-walker", walker},
    {"share.beside-restart", restart},    {"share.beside-prober", prober},    {"share.beside-flood", flood},
    {"share.beside-tick-dodger", dodger}, {"share.two-busy-cells", two_busy},
};

}  // namespace

SEPTUM_TEST_GROUP(share_tests, group);

}  // namespace septum::roottask
