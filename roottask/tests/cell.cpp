// A cell: the VMM server program (a boot module) in its own address space
// and CSpace, driving its guest (the hello guest, another module) on its
// own VCPU, holding only the capabilities abi/cell.hpp lists. The guest
// prints through the VMM's emulated UART and stops through the debug-exit
// port; the VMM reports to the root task, which checks the outcome and the
// guest's output. Without VT-x (QEMU) the check is skipped and says so.
#include <cstring>

#include "program.hpp"
#include "registry.hpp"
#include "septum/abi/cell.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/user/vspace.hpp"
#include "tests/common.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

// The VMM's address space beside its program image.
constexpr std::uint64_t vmm_cell_info = 0x10000000, vmm_state_page = 0x10001000, vmm_console = 0x10002000;
constexpr std::uint64_t vmm_guest_ram = 0x20000000;
constexpr std::uint64_t guest_ram_pages = 16, guest_entry = 0x1000;
// Root-task pages used to fill and read the cell's frames.
constexpr unsigned staging = 509, console_view = 508;

// A new frame whose first bytes are `bytes`, filled through a staging page.
Result<CPtr> filled_frame(Env& env, const void* bytes, std::size_t n) {
    const Result<CPtr> frame = env.map_new(scratch(staging), user::rw);
    SEPTUM_TRY(frame);
    std::memcpy(reinterpret_cast<void*>(scratch(staging)), bytes, n);
    SEPTUM_TRY(user::unmap_frame(frame.value()));
    return frame.value();
}

// Guest RAM: frames mapped at guest-physical 0.. in the GuestMemory and,
// through copies, at vmm_guest_ram in the VMM; the image at guest_entry.
Status make_guest_ram(Env& env, const Program& vmm, CPtr memory, const abi::ModuleDescription& image) {
    for (const ObjectKind table : {ObjectKind::ept_pdpt, ObjectKind::ept_pd, ObjectKind::ept_pt}) {
        const Result<CPtr> t = env.make(table);
        SEPTUM_TRY(t);
        SEPTUM_TRY(user::invoke(t.value(), abi::Invocation::page_table_map, {memory, 0}).status);
    }
    for (std::uint64_t i = 0; i < guest_ram_pages; ++i) {
        const std::uint64_t gpa = i * user::page_size;
        const bool has_image = gpa == guest_entry;
        const std::size_t n = has_image && image.size <= user::page_size ? image.size : 0;
        const Result<CPtr> frame = filled_frame(env, reinterpret_cast<const void*>(image.address), n);
        SEPTUM_TRY(frame);
        SEPTUM_TRY(user::invoke(frame.value(), abi::Invocation::frame_map,
                                {memory, gpa, right_read | right_write | right_execute})
                       .status);
        SEPTUM_TRY(map_into(env, vmm, frame.value(), vmm_guest_ram + gpa, user::rw));
    }
    return Status::ok;
}

struct Cell {
    Program vmm;
    CPtr report = 0;
    CPtr console_view = 0;  // the console buffer's frame, mapped here read-only
};

// Builds the cell and starts its VMM at `priority`, on a budget of `budget`
// ticks in every `period` when period is not 0.
Status make_cell(Env& env, Cell& cell, const char* name, const abi::ModuleDescription& vmm_module,
                 const abi::ModuleDescription& guest_image, std::uint64_t budget = 0, std::uint64_t period = 0) {
    SEPTUM_TRY(load_program(env, vmm_module, cell.vmm));
    const Result<CPtr> memory = env.make(ObjectKind::guest_memory);
    const Result<CPtr> vcpu = env.make(ObjectKind::vcpu);
    const Result<CPtr> report = env.make(ObjectKind::endpoint);
    SEPTUM_TRY(memory);
    SEPTUM_TRY(vcpu);
    SEPTUM_TRY(report);
    cell.report = report.value();
    SEPTUM_TRY(make_guest_ram(env, cell.vmm, memory.value(), guest_image));
    const std::uint64_t zero = 0;
    const Result<CPtr> state = filled_frame(env, &zero, 0);
    SEPTUM_TRY(state);
    SEPTUM_TRY(map_into(env, cell.vmm, state.value(), vmm_state_page, user::rw));
    SEPTUM_TRY(user::invoke(vcpu.value(), abi::Invocation::vcpu_configure, {memory.value(), state.value()}).status);
    // The console buffer: the VMM writes it, the root task reads it.
    const Result<CPtr> console = env.map_new(scratch(console_view), user::ro);
    SEPTUM_TRY(console);
    cell.console_view = console.value();
    SEPTUM_TRY(map_into(env, cell.vmm, console.value(), vmm_console, user::rw));
    abi::CellInfo info{};
    info.magic = abi::cell_info_magic;
    std::strncpy(info.name, name, sizeof(info.name) - 1);
    info.state_page = vmm_state_page;
    info.console = vmm_console;
    info.console_size = user::page_size;
    info.guest_ram = vmm_guest_ram;
    info.guest_ram_size = guest_ram_pages * user::page_size;
    info.guest_entry = guest_entry;
    const Result<CPtr> info_frame = filled_frame(env, &info, sizeof info);
    SEPTUM_TRY(info_frame);
    SEPTUM_TRY(map_into(env, cell.vmm, info_frame.value(), vmm_cell_info, user::ro));
    // Exactly two capabilities: the report Endpoint and the VCPU.
    SEPTUM_TRY(give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::report), cell.report,
                    right_write | right_grant_reply));
    SEPTUM_TRY(give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::vcpu), vcpu.value(), rights_all));
    SEPTUM_TRY(start(env, cell.vmm, 100, vmm_cell_info));
    if (period == 0) {
        return Status::ok;
    }
    const Result<CPtr> sc = env.make(ObjectKind::sched_context);
    SEPTUM_TRY(sc);
    SEPTUM_TRY(user::invoke(sc.value(), abi::Invocation::sched_context_configure, {budget, period}).status);
    return user::invoke(cell.vmm.thread.tcb(), abi::Invocation::tcb_set_sched_context, {sc.value()}).status;
}

// The guest's console, printed as one console line told apart by cell.
void show_console(Env& env, const char* info_name, const char* cell, std::uint64_t length) {
    const auto* text = reinterpret_cast<const char*>(scratch(console_view));
    char line[64] = {};
    for (std::uint64_t i = 0; i < length && i + 1 < sizeof(line); ++i) {
        line[i] = text[i] == '\n' ? ' ' : text[i];
    }
    env.report->info(info_name, "[cell {}] {}", cell, line);
}

void hello_cell(Env& env) {
    const char* name = "cell.hello-guest";
    if (skip_without_vmx(env, name)) {
        return;
    }
    const abi::ModuleDescription* vmm = find_module(*env.bi, "vmm-server");
    const abi::ModuleDescription* guest = find_module(*env.bi, "guest-hello");
    if (vmm == nullptr || guest == nullptr) {
        env.report->check(false, name, "boot modules vmm-server and guest-hello: {} {}", vmm != nullptr,
                          guest != nullptr);
        return;
    }
    Cell cell;
    if (!env.report->setup(make_cell(env, cell, "hello", *vmm, *guest), name, "cell")) {
        return;
    }
    const user::Reply r = user::recv(cell.report);
    const auto* text = reinterpret_cast<const char*>(scratch(console_view));
    const std::uint64_t length = r.message.mr[1] < user::page_size ? r.message.mr[1] : 0;
    const char want[] = "hello from the guest\n";
    const bool output_ok = length == sizeof(want) - 1 && std::memcmp(text, want, length) == 0;
    const bool stopped = r.status == Status::ok &&
                         r.message.info.label == static_cast<std::uint64_t>(abi::CellReport::stopped) &&
                         r.message.mr[0] == 0x2a;
    show_console(env, "cell.hello.console", "hello", length);
    env.report->check(stopped && output_ok, name,
                      "VMM report: label {} code {:x} ({} console bytes{}); the guest's output was {}",
                      r.message.info.label, r.message.mr[0], length, output_ok ? "" : ", not the expected ones",
                      output_ok ? "\"hello from the guest\"" : "wrong");
}

// What an adversarial guest's VMM must report, if anything.
struct Expected {
    bool reports;
    abi::CellReport label;
    std::uint64_t code;
};

// Two cells at once, each VMM on half the CPU: an adversarial guest in one,
// the heartbeat guest in the other. The adversary is contained - its VMM
// stops it, resets it, or its budget bounds it - and the heartbeat cell's
// ten beats all arrive. (Cells are stopped when the test's objects go.)
void beside_heartbeat(Env& env, const char* name, const char* adversary, const Expected& expected) {
    if (skip_without_vmx(env, name)) {
        return;
    }
    const abi::ModuleDescription* vmm = find_module(*env.bi, "vmm-server");
    const abi::ModuleDescription* beat = find_module(*env.bi, "guest-heartbeat");
    const abi::ModuleDescription* other = find_module(*env.bi, adversary);
    if (vmm == nullptr || beat == nullptr || other == nullptr) {
        env.report->check(false, name, "boot modules vmm-server, guest-heartbeat or {} missing", adversary);
        return;
    }
    // The adversary's console is not read here: its view is unmapped to
    // make room for the heartbeat's.
    Cell bad, good;
    if (!env.report->setup(make_cell(env, bad, "adversary", *vmm, *other, 1, 2), name, "adversary cell") ||
        !env.report->setup(user::unmap_frame(bad.console_view), name, "adversary console view") ||
        !env.report->setup(make_cell(env, good, "heartbeat", *vmm, *beat, 1, 2), name, "heartbeat cell")) {
        return;
    }
    const user::Reply r = user::recv(good.report);
    const auto* text = reinterpret_cast<const char*>(scratch(console_view));
    const std::uint64_t length = r.message.mr[1] < user::page_size ? r.message.mr[1] : 0;
    const char want[] = "..........\n";
    const bool beats = r.status == Status::ok && length == sizeof(want) - 1 && std::memcmp(text, want, length) == 0 &&
                       r.message.info.label == static_cast<std::uint64_t>(abi::CellReport::stopped) &&
                       r.message.mr[0] == 0x10;
    bool contained = true;
    std::uint64_t label = 0, code = 0;
    if (expected.reports) {
        const user::Reply a = user::recv(bad.report);
        label = a.message.info.label;
        code = a.message.mr[0];
        contained =
            a.status == Status::ok && label == static_cast<std::uint64_t>(expected.label) && code == expected.code;
    }
    env.report->check(beats && contained, name, "heartbeat: {} ({} console bytes); adversary {}: label {} code {:x}",
                      beats ? "ten beats" : "NOT ten beats", length,
                      expected.reports ? "reported" : "bounded by its budget", label, code);
}

void storm(Env& env) { beside_heartbeat(env, "cell.storm-beside-heartbeat", "guest-storm", {false, {}, 0}); }
// Writing past its memory: its VMM stops it at guest-physical 0x20000.
void walker(Env& env) {
    beside_heartbeat(env, "cell.walker-beside-heartbeat", "guest-walker", {true, abi::CellReport::failed, 0x20000});
}
// A triple fault: its VMM resets it (Action::reset, reported as 3).
void triple(Env& env) {
    beside_heartbeat(env, "cell.triple-fault-beside-heartbeat", "guest-triple", {true, abi::CellReport::failed, 3});
}

// Spinning with interrupts masked, never exiting: only the preemption
// timer takes the CPU back, and the budget bounds the cell.
void spin(Env& env) { beside_heartbeat(env, "cell.spin-beside-heartbeat", "guest-spin", {false, {}, 0}); }

const TestCase group[] = {
    {"cell.hello-guest", hello_cell},         {"cell.storm-beside-heartbeat", storm},
    {"cell.walker-beside-heartbeat", walker}, {"cell.triple-fault-beside-heartbeat", triple},
    {"cell.spin-beside-heartbeat", spin},
};

}  // namespace

SEPTUM_TEST_GROUP(cell_tests, group);

}  // namespace septum::roottask
