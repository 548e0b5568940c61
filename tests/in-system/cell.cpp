// Cells (roottask/cells/cell.hpp): the VMM server program, loaded from a boot
// module into an address space and CSpace of its own, built from an
// Untyped of its own, drives its guest on its own VCPU. The root task
// watches the cells' consoles and reports (roottask/cells/monitor.hpp) and
// checks what each guest did. Without VT-x (QEMU) the checks are skipped
// and say so.
#include <cstring>

#include "cells/cell.hpp"
#include "cells/monitor.hpp"
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

bool kept_equals(const CellWatch& w, const char* text) {
    const std::size_t n = std::strlen(text);
    return w.kept_length == n && std::memcmp(w.kept, text, n) == 0;
}

bool reported(const CellWatch& w, abi::CellReport label, std::uint64_t code) {
    return w.reported && w.label == static_cast<std::uint64_t>(label) && w.code == code;
}

// The kept console bytes as one printable line, for a check's message.
struct Shown {
    char text[CellWatch::kept_size + 1] = {};
    explicit Shown(const CellWatch& w) {
        for (std::uint64_t i = 0; i < w.kept_length; ++i) {
            text[i] = w.kept[i] >= ' ' && w.kept[i] <= '~' ? w.kept[i] : ' ';
        }
    }
};

// Finds the modules a test needs; reports the check failed if one is missing.
bool find_modules(Env& env, const char* name, std::initializer_list<const char*> names,
                  const abi::ModuleDescription** out) {
    for (const char* m : names) {
        *out = find_module(*env.bi, m);
        if (*out == nullptr) {
            env.report->check(false, name, "boot module {} missing", m);
            return false;
        }
        ++out;
    }
    return true;
}

CellSpec spec_of(const char* name, const abi::ModuleDescription* vmm, const abi::ModuleDescription* image) {
    CellSpec s;
    s.name = name;
    s.vmm = vmm;
    s.image = image;
    return s;
}

// One cell on its own, built and run until its VMM reports.
struct Solo {
    CellLink link;
    Cell cell;
    CellWatch watch;
};

Status run_alone(Env& env, const CellSpec& spec, Solo& r, unsigned index = 0) {
    r.watch.cell = &r.cell;
    Monitor monitor(r.link, &r.watch, 1, nullptr);
    SEPTUM_TRY(make_link(env, r.link));
    SEPTUM_TRY(build_cell(env, spec, r.link, index, r.cell));
    SEPTUM_TRY(monitor.start(env));
    monitor.run_to_end();
    return Status::ok;
}

void hello_cell(Env& env) {
    const char* name = "cell.hello-guest";
    const abi::ModuleDescription* m[2] = {};
    if (skip_without_vmx(env, name) || !find_modules(env, name, {"vmm-server", "guest-hello"}, m)) {
        return;
    }
    Solo r;
    if (!env.report->setup(run_alone(env, spec_of("hello", m[0], m[1]), r), name, "cell")) {
        return;
    }
    const CellWatch& watch = r.watch;
    const Cell& cell = r.cell;
    const bool output_ok = kept_equals(watch, "hello from the guest\n");
    env.report->info("cell.hello.memory",
                     "cell Untyped {} KiB: {} KiB used, guest RAM {} KiB, image {} KiB, "
                     "hypervisor (kernel objects, VMM, image) {} KiB",
                     cell.bytes.untyped / 1024, cell.bytes.total / 1024, cell.bytes.guest_ram / 1024,
                     cell.bytes.image / 1024, cell.bytes.hypervisor() / 1024);
    env.report->check(reported(watch, abi::CellReport::stopped, 0x2a) && output_ok && watch.lost == 0, name,
                      "VMM report: label {} code {:x} ({} console bytes, {} lost); the guest's output was {}",
                      watch.label, watch.code, watch.received, watch.lost,
                      output_ok ? "\"hello from the guest\"" : "wrong");
}

// A Multiboot ELF32 guest: its VMM loads the segments, writes the
// information structure (the cell's name as the command line) and enters
// it in protected mode with the boot magic.
void multiboot_cell(Env& env) {
    const char* name = "cell.multiboot-guest";
    const abi::ModuleDescription* m[2] = {};
    if (skip_without_vmx(env, name) || !find_modules(env, name, {"vmm-server", "guest-multiboot"}, m)) {
        return;
    }
    CellSpec spec = spec_of("mb", m[0], m[1]);
    spec.image_kind = abi::ImageKind::multiboot;
    spec.guest_ram_pages = 32;
    Solo r;
    if (!env.report->setup(run_alone(env, spec, r), name, "cell")) {
        return;
    }
    const CellWatch& watch = r.watch;
    const bool output_ok = kept_equals(watch, "multiboot: mb\n");
    env.report->check(reported(watch, abi::CellReport::stopped, 0x12) && output_ok, name,
                      "VMM report: label {} code {:x} (want 1 0x12); the guest's output was {}\"{}\"", watch.label,
                      watch.code, output_ok ? "" : "wrong: ", static_cast<const char*>(Shown(watch).text));
}

// Eight hex digits at `text`, or ~0 if they are not there.
std::uint64_t hex8(const char* text) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        const char c = text[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            return ~std::uint64_t{0};
        }
        v = v << 4 | static_cast<std::uint64_t>(d);
    }
    return v;
}

void report_exit_figure(Env& env, const char* name, std::uint64_t full, std::uint64_t bare) {
    if (bare == 0) {
        env.report->info(name,
                         "{} instructions per exit round trip with the VMM server's handlers; no bare figure "
                         "to split it against",
                         full);
        return;
    }
    env.report->info(name,
                     "{} instructions per exit round trip with the VMM server's handlers: kernel and a bare "
                     "VMM loop {} (bench.vmx-*), the handlers and their run loop {}",
                     full, bare, full > bare ? full - bare : 0);
}

// The exit round trips through the VMM server program and its real
// handlers, timed by the guest itself (guests/exitbench.S), split against
// the bare loop's figures of tests/vmx.cpp.
void vmm_exit_bench(Env& env) {
    const char* name = "bench.vmm-exits";
    const abi::ModuleDescription* m[2] = {};
    if (!cpu_has_vmx()) {
        env.report->info(name, "not measured: no VT-x on this CPU");
        return;
    }
    if (!find_modules(env, name, {"vmm-server", "guest-exitbench"}, m)) {
        return;
    }
    Solo r;
    if (run_alone(env, spec_of("exitbench", m[0], m[1]), r) != Status::ok) {
        env.report->info(name, "not measured: the cell could not be built");
        return;
    }
    const CellWatch& watch = r.watch;
    // "cpuid XXXXXXXX io XXXXXXXX\n"
    const bool shaped = reported(watch, abi::CellReport::stopped, 0x14) && watch.kept_length == 27 &&
                        std::memcmp(watch.kept, "cpuid ", 6) == 0 && std::memcmp(watch.kept + 14, " io ", 4) == 0;
    const std::uint64_t cpuid = shaped ? hex8(watch.kept + 6) : ~std::uint64_t{0};
    const std::uint64_t io = shaped ? hex8(watch.kept + 18) : ~std::uint64_t{0};
    if (cpuid == ~std::uint64_t{0} || io == ~std::uint64_t{0}) {
        env.report->info(name, "not measured: the guest said \"{}\" (label {} code {:x})",
                         static_cast<const char*>(Shown(watch).text), watch.label, watch.code);
        return;
    }
    report_exit_figure(env, "bench.vmm-cpuid-exit", cpuid, bare_exits.cpuid);
    report_exit_figure(env, "bench.vmm-io-exit", io, bare_exits.io);
}

// The heartbeat's ten beats, and the largest gap between two (TSC).
struct Beats {
    bool all = false;
    std::uint64_t largest_gap = 0;
};

Beats beats_of(const CellWatch& w) {
    Beats b;
    b.all = kept_equals(w, "..........\n") && reported(w, abi::CellReport::stopped, 0x10);
    for (std::uint64_t i = 1; b.all && i < 10; ++i) {
        const std::uint64_t gap = w.arrival[i] - w.arrival[i - 1];
        b.largest_gap = gap > b.largest_gap ? gap : b.largest_gap;
    }
    return b;
}

// Each cell on half the CPU: 5 ms in every 10 ms.
CellSpec half_cpu(CellSpec s) {
    s.budget_us = 5000;
    s.period_us = 10000;
    return s;
}

// The heartbeat cell alone on its half of the CPU: the pace the other
// cells' checks hold it to. Measured once, by the first check that needs it.
std::uint64_t alone_gap = 0;

Status measure_alone(Env& env, const abi::ModuleDescription* vmm, const abi::ModuleDescription* beat) {
    if (alone_gap != 0) {
        return Status::ok;
    }
    // The last index: the checks' own cells, in the same test, take the first ones.
    Solo r;
    SEPTUM_TRY(run_alone(env, half_cpu(spec_of("heartbeat", vmm, beat)), r, max_cells - 1));
    const CellWatch& watch = r.watch;
    const Beats b = beats_of(watch);
    if (!b.all) {
        env.report->info("cell.heartbeat.alone", "the heartbeat alone failed: label {} code {:x}, {} console bytes",
                         watch.label, watch.code, watch.received);
        return Status::invalid_argument;
    }
    alone_gap = b.largest_gap;
    env.report->info("cell.heartbeat.alone", "largest gap between beats on half the CPU, alone: {} TSC", alone_gap);
    return Status::ok;
}

// What an adversarial guest's cell must do.
struct Expected {
    bool reports;
    abi::CellReport label;
    std::uint64_t code;
    const char* console;  // what it must have written (nullptr: not checked) ...
    std::uint64_t max_resets;
    bool console_prefix = false;  // ... or begun with
};

bool console_matches(const CellWatch& w, const Expected& e) {
    if (e.console == nullptr) {
        return true;
    }
    const std::size_t n = std::strlen(e.console);
    return e.console_prefix ? w.kept_length >= n && std::memcmp(w.kept, e.console, n) == 0 : kept_equals(w, e.console);
}

// Two cells at once, each VMM on half the CPU: an adversarial guest in one,
// the heartbeat guest in the other. The adversary is contained - its VMM
// stops it, resets it, or its budget bounds it - and the heartbeat's ten
// beats all arrive on time: no gap between two beats is more than three
// times the largest it has alone on its half of the CPU (a beat is half a
// tick of work, its gap alone about a tick; the kernel charges a whole
// tick to whichever thread holds the CPU when the tick comes, so an
// adversary that enters the kernel all the time, like the exit storm, can
// cost it one tick more: 2 ticks measured). A starved heartbeat fails
// this, or never finishes and the run's deadline fails it. (Cells are
// stopped when the test's objects go.)
void beside_heartbeat(Env& env, const char* name, const char* adversary, const Expected& expected) {
    const abi::ModuleDescription* m[3] = {};
    if (skip_without_vmx(env, name) || !find_modules(env, name, {"vmm-server", "guest-heartbeat", adversary}, m) ||
        !env.report->setup(measure_alone(env, m[0], m[1]), name, "the heartbeat alone")) {
        return;
    }
    CellLink link;
    Cell cells[2];
    CellWatch watches[2];
    watches[0].cell = &cells[0];
    watches[1].cell = &cells[1];
    CellSpec bad = half_cpu(spec_of("adversary", m[0], m[2]));
    bad.max_resets = expected.max_resets;
    Monitor monitor(link, watches, 2, nullptr);
    if (!env.report->setup(make_link(env, link), name, "link") ||
        !env.report->setup(build_cell(env, bad, link, 0, cells[0]), name, "adversary cell") ||
        !env.report->setup(build_cell(env, half_cpu(spec_of("heartbeat", m[0], m[1])), link, 1, cells[1]), name,
                           "heartbeat cell") ||
        !env.report->setup(monitor.start(env), name, "monitor")) {
        return;
    }
    while (!watches[1].reported || (expected.reports && !watches[0].reported)) {
        (void)monitor.step();
    }
    const Beats b = beats_of(watches[1]);
    const bool on_time = b.all && b.largest_gap <= 3 * alone_gap;
    bool contained = !expected.reports || reported(watches[0], expected.label, expected.code);
    contained = contained && console_matches(watches[0], expected);
    env.report->check(on_time && contained, name,
                      "heartbeat: {}, largest gap {} TSC (alone {}, at most three times that); adversary {}: "
                      "label {} code {:x}, {} console bytes \"{}\"",
                      b.all ? "ten beats" : "NOT ten beats", b.largest_gap, alone_gap,
                      expected.reports ? "reported" : "bounded by its budget", watches[0].label, watches[0].code,
                      watches[0].received, static_cast<const char*>(Shown(watches[0]).text));
}

void storm(Env& env) {
    beside_heartbeat(env, "cell.storm-beside-heartbeat", "guest-storm", {false, {}, 0, nullptr, 0});
}
// Writing past its memory: its VMM stops it at guest-physical 0x20000.
void walker(Env& env) {
    beside_heartbeat(env, "cell.walker-beside-heartbeat", "guest-walker",
                     {true, abi::CellReport::failed, 0x20000, nullptr, 0});
}
// Triple faults: its VMM resets it twice (it starts three times), then
// stops it (Action::reset, reported as 3).
void restart(Env& env) {
    beside_heartbeat(env, "cell.restart-beside-heartbeat", "guest-triple",
                     {true, abi::CellReport::failed, 3, "up\nup\nup\n", 2});
}
// Spinning with interrupts masked, never exiting: only the preemption
// timer takes the CPU back, and the budget bounds the cell.
void spin(Env& env) { beside_heartbeat(env, "cell.spin-beside-heartbeat", "guest-spin", {false, {}, 0, nullptr, 0}); }

// Every I/O port and every MSR of the defined ranges: its VMM answers each
// (all ones, dropped writes, #GP) and the guest finishes; only the count of
// refused MSR accesses depends on the allow list.
void prober(Env& env) {
    beside_heartbeat(env, "cell.prober-beside-heartbeat", "guest-prober",
                     {true, abi::CellReport::stopped, 0x11, "probed, #GP ", 0, true});
}

const TestCase group[] = {
    {"cell.hello-guest", hello_cell},           {"cell.multiboot-guest", multiboot_cell},
    {"cell.storm-beside-heartbeat", storm},     {"cell.walker-beside-heartbeat", walker},
    {"cell.restart-beside-heartbeat", restart}, {"cell.spin-beside-heartbeat", spin},
    {"cell.prober-beside-heartbeat", prober},   {"bench.vmm-exits", vmm_exit_bench},
};

}  // namespace

SEPTUM_TEST_GROUP(cell_tests, group);

}  // namespace septum::roottask
