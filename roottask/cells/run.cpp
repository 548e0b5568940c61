#include "cells/run.hpp"

#include <cstring>

#include "cells/cell.hpp"
#include "cells/monitor.hpp"
#include "cells/prepare.hpp"
#include "description/check.hpp"
#include "program.hpp"
#include "septum/user/cpu.hpp"

namespace septum::roottask::cells {

namespace {

// A check name "system.cell.NAME" (names are checked: letters, digits,
// '-' and '_', at most 15 characters).
struct CheckName {
    char text[40] = {};
    CheckName(const char* prefix, const char* name) {
        const std::size_t p = std::strlen(prefix);
        const std::size_t n = std::strlen(name);
        std::memcpy(text, prefix, p < sizeof(text) ? p : sizeof(text) - 1);
        if (p + n < sizeof(text)) {
            std::memcpy(text + p, name, n);
        }
    }
};

const char* outcome(const CellWatch& w) {
    if (w.label == static_cast<std::uint64_t>(abi::CellReport::stopped)) {
        return "stopped by its guest";
    }
    return w.label == static_cast<std::uint64_t>(abi::CellReport::failed) ? "stopped by its VMM" : "unknown report";
}

// What stays alive while the cells run.
abi::SystemDescription system_description;
Cell cells[max_cells];
CellWatch watches[max_cells];
SerialInput input;

// Console input to the cells, read by the monitor. Without it the cells
// run all the same; the console says why it takes no input.
void start_input(Env& env, const CellLink& link, unsigned count, Monitor& monitor) {
    Cell* by_index[max_cells] = {};
    for (unsigned i = 0; i < count && i < max_cells; ++i) {
        by_index[i] = &cells[i];
    }
    const Result<CPtr> signal = env.mint(link.console, right_write, serial_input_badge);
    const Status s = signal.ok() ? input.start(env, signal.value(), by_index, count) : signal.status();
    if (s != Status::ok) {
        env.report->info("console.input", "no console input: {}", user::status_name(s));
        return;
    }
    monitor.set_input(&input);
}

}  // namespace

void run(Env& env, const abi::ModuleDescription& module) {
    Report& report = *env.report;
    if (!user::cpu_has_vmx()) {
        report.skip("system.cells", "no VT-x on this CPU (CPUID.1:ECX[5]=0): no cell can run");
        return;
    }
    const description::Verdict v = description::check(reinterpret_cast<const void*>(module.address), module.size);
    if (v.error != description::Error::none) {
        if (description::about_a_cell(v.error)) {
            report.fail("system.description", "{} bytes: cell {}: {} ({})", module.size, v.cell,
                        description::explain(v.error), description::error_name(v.error));
        } else {
            report.fail("system.description", "{} bytes: {} ({})", module.size, description::explain(v.error),
                        description::error_name(v.error));
        }
        return;
    }
    std::memcpy(&system_description, reinterpret_cast<const void*>(module.address), sizeof system_description);
    report.pass("system.description", "{} bytes, {} cells", module.size, system_description.cell_count);
    CellLink link;
    if (!report.setup(make_link(env, link), "system.cells", "the root task's endpoint and notification")) {
        return;
    }
    CellSpec specs[max_cells];
    if (!prepare(env, system_description, specs)) {
        return;
    }
    unsigned built = 0;
    for (std::uint32_t i = 0; i < system_description.cell_count; ++i) {
        const abi::CellDescription& d = system_description.cells[i];
        const CheckName name("system.cell.", d.name);
        // The cell's index (its badge, its console view) is its place in
        // the description, whether or not the cells before it were built.
        Cell& c = cells[i];
        const Status s = build_cell(env, specs[i], link, i, c);
        if (s != Status::ok) {
            report.fail(name.text, "not built: {}", user::status_name(s));
            continue;
        }
        watches[built++].cell = &c;
        // The plan (description/need.cpp) must not have under-counted.
        if (c.bytes.total > c.bytes.planned) {
            report.fail(name.text, "took {} bytes of its Untyped, more than the {} its need allowed", c.bytes.total,
                        c.bytes.planned);
            continue;
        }
        report.pass(name.text,
                    "{} KiB Untyped, {} KiB for the hypervisor (from an Untyped of {} KiB), {} KiB guest RAM; "
                    "priority {}, {} us of every {} us",
                    c.bytes.untyped / 1024, c.bytes.hypervisor() / 1024, c.bytes.own / 1024, c.bytes.guest_ram / 1024,
                    d.priority, d.budget_us, d.period_us);
    }
    user::Console& console = report.out();
    Monitor monitor(link, watches, built, &console);
    if (built == 0 || !report.setup(monitor.start(env), "system.cells", "monitor")) {
        return;
    }
    start_input(env, link, system_description.cell_count, monitor);
    for (unsigned ended = 0; ended < built;) {
        const int i = monitor.step();
        if (i < 0) {
            continue;
        }
        ++ended;
        const CellWatch& w = watches[i];
        input.cell_ended(w.cell->index);
        const CheckName name("system.ended.", w.cell->name);
        report.info(name.text, "{}, code {:x}; {} console bytes, {} lost{}", outcome(w), w.code, w.received, w.lost,
                    w.misbehaved ? "; its console count misbehaved" : "");
    }
}

}  // namespace septum::roottask::cells
