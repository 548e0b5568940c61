// Cells (roottask/cells/cell.hpp): the VMM server program, loaded from a boot
// module into an address space and CSpace of its own, built from an
// Untyped of its own, drives its guest on its own VCPU. The root task
// watches the cells' consoles and reports (roottask/cells/monitor.hpp) and
// checks what each guest did. Without VT-x (QEMU) the checks are skipped
// and say so.
#include <cstring>

#include "cells.hpp"
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

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

const TestCase group[] = {
    {"cell.hello-guest", hello_cell},
    {"cell.multiboot-guest", multiboot_cell},
    {"bench.vmm-exits", vmm_exit_bench},
};

}  // namespace

SEPTUM_TEST_GROUP(cell_tests, group);

}  // namespace septum::roottask
