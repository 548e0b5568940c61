// VT-x: a guest runs on a VCPU the root task drives as its VMM. The guest
// is four real-mode instructions in one page of guest memory (EPT): write
// 'S' to port 0x3f8, then HLT. Each exit comes back to this thread; bad
// state a VMM supplies is refused, by the kernel or as a failed entry,
// never a crash. Without VT-x (QEMU) the checks are skipped and say so.
#include "common.hpp"
#include "registry.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "septum/user/cpu.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

constexpr std::uint64_t guest_code_gpa = 0x1000;
// mov dx, 0x3f8; mov al, 'S'; out dx, al; hlt (16-bit real mode)
constexpr std::uint8_t guest_code[] = {0xba, 0xf8, 0x03, 0xb0, 'S', 0xee, 0xf4};

abi::Segment segment(std::uint32_t access) { return abi::Segment{0, 0xffff, access, 0, {}}; }

// Real mode at guest_code_gpa, flat 64 KiB segments (unrestricted guest).
abi::VcpuState real_mode_state() {
    abi::VcpuState s{};
    s.rip = guest_code_gpa;
    s.rsp = 0x8000;
    s.rflags = 0x2;
    s.cr0 = 0x10;  // ET; PE and PG clear
    s.cs = segment(0x9b);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(0x93);
    s.tr = segment(0x8b);
    s.ldtr = segment(0x10000);  // unusable
    s.gdtr = abi::DescriptorTable{0, 0xffff, 0};
    s.idtr = abi::DescriptorTable{0, 0xffff, 0};
    return s;
}

struct Guest {
    CPtr vcpu = 0;
    abi::VcpuPage* page = nullptr;
};

// GuestMemory with its EPT tables, a code frame mapped at guest_code_gpa
// (written through a second capability mapped here), a state page, a VCPU.
Status make_guest(Env& env, Guest& g) {
    const Result<CPtr> memory = env.make(ObjectKind::guest_memory);
    SEPTUM_TRY(memory);
    for (const ObjectKind table : {ObjectKind::ept_pdpt, ObjectKind::ept_pd, ObjectKind::ept_pt}) {
        const Result<CPtr> t = env.make(table);
        SEPTUM_TRY(t);
        SEPTUM_TRY(user::invoke(t.value(), abi::Invocation::page_table_map, {memory.value(), guest_code_gpa}).status);
    }
    const Result<CPtr> code = env.map_new(scratch(40), user::rw);
    SEPTUM_TRY(code);
    auto* bytes = reinterpret_cast<std::uint8_t*>(scratch(40));
    for (std::size_t i = 0; i < sizeof(guest_code); ++i) {
        bytes[i] = guest_code[i];
    }
    const Result<CPtr> guest_view = env.copy(code.value());
    SEPTUM_TRY(guest_view);
    SEPTUM_TRY(user::invoke(guest_view.value(), abi::Invocation::frame_map,
                            {memory.value(), guest_code_gpa, right_read | right_write | right_execute})
                   .status);
    const Result<CPtr> page = env.map_new(scratch(41), user::rw);
    SEPTUM_TRY(page);
    const Result<CPtr> vcpu = env.make(ObjectKind::vcpu);
    SEPTUM_TRY(vcpu);
    SEPTUM_TRY(user::invoke(vcpu.value(), abi::Invocation::vcpu_configure, {memory.value(), page.value()}).status);
    g.vcpu = vcpu.value();
    g.page = reinterpret_cast<abi::VcpuPage*>(scratch(41));
    return Status::ok;
}

// The start of every check here: SKIP without VT-x, FAIL when the guest
// cannot be set up; true when the check goes on.
bool start_guest(Env& env, const char* name, Guest& g) {
    return !skip_without_vmx(env, name) && env.report->setup(make_guest(env, g), name, "guest");
}

Status run(const Guest& g, std::uint64_t supply, std::uint64_t want) {
    return user::invoke(g.vcpu, abi::Invocation::vcpu_run, {supply, want}).status;
}

void guest_io_hlt(Env& env) {
    const char* name = "vmx.guest-io-hlt";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    g.page->state = real_mode_state();
    const Status first = run(g, abi::vcpu_state::stored, abi::vcpu_state::all);
    const abi::ExitInfo io = g.page->exit;
    const std::uint64_t al = g.page->state.rax & 0xff;
    // Port I/O qualification (SDM Vol. 3 Table 28-5): size-1 in bits 2:0,
    // direction (1: in) in bit 3, port in bits 31:16.
    const bool io_ok = first == Status::ok && io.reason == static_cast<std::uint32_t>(abi::VmxExit::io_instruction) &&
                       (io.qualification >> 16) == 0x3f8 && (io.qualification & 0xf) == 0 && al == 'S';
    // Skip the OUT and run on: the guest halts.
    g.page->state.rip += io.instruction_length;
    const Status second = run(g, abi::vcpu_state::rsp_rip_rflags, abi::vcpu_state::rsp_rip_rflags);
    const abi::ExitInfo hlt = g.page->exit;
    const bool hlt_ok = second == Status::ok && hlt.reason == static_cast<std::uint32_t>(abi::VmxExit::hlt) &&
                        g.page->state.rip == guest_code_gpa + sizeof(guest_code) - 1;
    env.report->check(io_ok && hlt_ok, name,
                      "first exit: {} reason {} qualification {:x} al {:x}; second: {} reason {} at rip {:x}",
                      user::status_name(first), io.reason, io.qualification, al, user::status_name(second), hlt.reason,
                      g.page->state.rip);
}

void bad_state(Env& env) {
    const char* name = "vmx.bad-state-refused";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    // Paging without protection: the kernel's own check refuses it.
    g.page->state = real_mode_state();
    g.page->state.cr0 = 0x80000010;
    const Status paging = run(g, abi::vcpu_state::stored, 0);
    // Reserved RFLAGS bits: refused by the kernel too.
    g.page->state = real_mode_state();
    g.page->state.rflags = 0x2 | (1u << 3);
    const Status rflags = run(g, abi::vcpu_state::stored, 0);
    // A code segment marked unusable passes the kernel but fails the CPU's
    // entry checks: a VM-entry failure comes back as an exit (bit 31).
    g.page->state = real_mode_state();
    g.page->state.cs.access_rights = 0x10000;
    const Status cs = run(g, abi::vcpu_state::stored, 0);
    const abi::ExitReason reason{g.page->exit.reason};
    const bool failed_entry =
        cs == Status::ok && reason.entry_failed() && reason.is(abi::VmxExit::entry_invalid_guest_state);
    // The same VCPU still runs a good guest afterwards.
    g.page->state = real_mode_state();
    const Status after = run(g, abi::vcpu_state::stored, 0);
    const bool runs =
        after == Status::ok && g.page->exit.reason == static_cast<std::uint32_t>(abi::VmxExit::io_instruction);
    env.report->check(paging == Status::invalid_argument && rflags == Status::invalid_argument && failed_entry && runs,
                      name,
                      "CR0.PG without PE: {}; reserved RFLAGS bit: {}; unusable CS: {} reason {:x}; then a "
                      "good guest: {} reason {}",
                      user::status_name(paging), user::status_name(rflags), user::status_name(cs), reason.raw,
                      user::status_name(after), g.page->exit.reason);
}

// vcpu_read_state: refused before the VCPU has run and for bits outside
// the state; after an exit that brought only the registers, it stores the
// parts asked for, and only those. A per-reason entry of the state page's
// table adds parts to what an exit brings.
void read_state(Env& env) {
    const char* name = "vmx.read-state";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    const auto read = [&](std::uint64_t mask) {
        return user::invoke(g.vcpu, abi::Invocation::vcpu_read_state, {mask}).status;
    };
    const Status before = read(abi::vcpu_state::segments);
    g.page->state = real_mode_state();
    const Status first = run(g, abi::vcpu_state::stored, abi::vcpu_state::gprs);
    g.page->state.cs = abi::Segment{};
    g.page->state.gdtr = abi::DescriptorTable{1, 1, 0};
    const Status bad_mask = read(abi::vcpu_state::all + 1);
    const Status segments = read(abi::vcpu_state::segments);
    const std::uint64_t cs_access = g.page->state.cs.access_rights, cs_limit = g.page->state.cs.limit;
    // Present code or data (Bochs stores a real-mode CS as 0x93), where the
    // page had been cleared.
    const bool cs_back = (cs_access & 0x90) == 0x90 && cs_limit == 0xffff;
    const bool gdtr_untouched = g.page->state.gdtr.base == 1;
    // The table: the OUT's exit brings the tables along with the registers.
    g.page->want_by_reason[static_cast<std::uint32_t>(abi::VmxExit::io_instruction)] = abi::vcpu_state::tables;
    g.page->state = real_mode_state();
    g.page->state.gdtr = abi::DescriptorTable{1, 1, 0};
    const Status second = user::invoke(g.vcpu, abi::Invocation::vcpu_run,
                                       {abi::vcpu_state::rsp_rip_rflags | abi::vcpu_state::control |
                                            abi::vcpu_state::segments | abi::vcpu_state::interruptibility,
                                        abi::vcpu_state::gprs})
                              .status;
    const bool table_used = g.page->state.gdtr.base == 0 && g.page->state.gdtr.limit == 0xffff;
    env.report->check(before == Status::invalid_argument && first == Status::ok &&
                          bad_mask == Status::invalid_argument && segments == Status::ok && cs_back && gdtr_untouched &&
                          second == Status::ok && table_used,
                      name,
                      "before a run: {}; bad mask: {}; segments: {} (CS back: {}, access {:x} limit {:x}, GDTR "
                      "left alone: {}); per-reason table brought GDTR: {}",
                      user::status_name(before), user::status_name(bad_mask), user::status_name(segments), cs_back,
                      cs_access, cs_limit, gdtr_untouched, table_used);
}

// The interrupt-window request: a guest that runs STI; NOP; NOP; HLT with
// interrupts masked exits for the window once STI's one-instruction
// blocking is over; without the request the same guest runs on to HLT.
// A request outside the state's bits is refused.
void interrupt_window(Env& env) {
    const char* name = "vmx.interrupt-window";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    const std::uint8_t code[] = {0xfb, 0x90, 0x90, 0xf4};  // sti; nop; nop; hlt
    for (std::size_t i = 0; i < sizeof(code); ++i) {
        reinterpret_cast<std::uint8_t*>(scratch(40))[i] = code[i];
    }
    g.page->state = real_mode_state();
    const Status first = run(g, abi::vcpu_state::stored | abi::run_interrupt_window, abi::vcpu_state::rsp_rip_rflags);
    const std::uint32_t window_reason = g.page->exit.reason;
    const std::uint64_t window_rip = g.page->state.rip;
    const Status second = run(g, 0, abi::vcpu_state::rsp_rip_rflags);
    const std::uint32_t then_reason = g.page->exit.reason;
    const Status bad = run(g, std::uint64_t{1} << 34, 0);
    const bool ok = first == Status::ok &&
                    window_reason == static_cast<std::uint32_t>(abi::VmxExit::interrupt_window) &&
                    (window_rip == guest_code_gpa + 1 || window_rip == guest_code_gpa + 2) && second == Status::ok &&
                    then_reason == static_cast<std::uint32_t>(abi::VmxExit::hlt) && bad == Status::invalid_argument;
    env.report->check(ok, name,
                      "with the request: {} reason {} at rip {:x}; without: {} reason {}; an unknown request bit: {}",
                      user::status_name(first), window_reason, window_rip, user::status_name(second), then_reason,
                      user::status_name(bad));
}

// Guest MSRs (abi::GuestMsrs): supplied values go into the VMCS and the
// MSR load area, the guest runs, and what the CPU stored at the exit (the
// VMCS fields and the MSR store area) comes back equal. Values the CPU
// would refuse are refused before entry.
void guest_msrs(Env& env) {
    const char* name = "vmx.guest-msrs";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    const abi::GuestMsrs want{0x10,
                              0x7000,
                              0xffff800000001000,
                              0x0006060606060606,
                              0x0023001000000000,
                              0xffffffff81000000,
                              0xffffffff81000100,
                              0x47700,
                              0xffff888000000000};
    g.page->state = real_mode_state();
    g.page->state.efer = 1;  // SCE: the areas carry the SYSCALL MSRs from now on
    g.page->state.msrs = want;
    const Status first = run(g, abi::vcpu_state::stored, abi::vcpu_state::msrs);
    const abi::GuestMsrs got = g.page->state.msrs;
    const bool same = got.sysenter_cs == want.sysenter_cs && got.sysenter_esp == want.sysenter_esp &&
                      got.sysenter_eip == want.sysenter_eip && got.pat == want.pat && got.star == want.star &&
                      got.lstar == want.lstar && got.cstar == want.cstar && got.sfmask == want.sfmask &&
                      got.kernel_gs_base == want.kernel_gs_base;
    g.page->state.msrs = want;
    g.page->state.msrs.lstar = 0x0000800000000000;  // not canonical
    const Status lstar = run(g, abi::vcpu_state::msrs, 0);
    g.page->state.msrs = want;
    g.page->state.msrs.pat = 0x0002;  // type 2 is reserved
    const Status pat = run(g, abi::vcpu_state::msrs, 0);
    env.report->check(
        first == Status::ok && same && lstar == Status::invalid_argument && pat == Status::invalid_argument, name,
        "run: {}, stored at the exit as supplied: {} (LSTAR {:x}, PAT {:x}); "
        "non-canonical LSTAR: {}; reserved PAT type: {}",
        user::status_name(first), same, got.lstar, got.pat, user::status_name(lstar), user::status_name(pat));
}

// An exit round trip, as a VMM sees it: the guest loops on one exiting
// instruction (then jmp back), each exit comes back to this thread, which
// answers (for CPUID an empty leaf; for OUT nothing) and runs the guest on
// past the instruction. In Bochs (clock: sync=none) a TSC tick is an
// instruction: the figure is the path length of one exit handled in user
// space, VMM loop included.
void exit_bench(Env& env, const char* name, const std::uint8_t* loop, std::size_t loop_size, abi::VmxExit expect,
                std::uint64_t& figure) {
    if (!cpu_has_vmx()) {
        env.report->info(name, "not measured: no VT-x on this CPU");
        return;
    }
    Guest g;
    if (make_guest(env, g) != Status::ok) {
        env.report->info(name, "not measured: the guest could not be set up");
        return;
    }
    auto* code = reinterpret_cast<std::uint8_t*>(scratch(40));
    for (std::size_t i = 0; i < loop_size; ++i) {
        code[i] = loop[i];
    }
    g.page->state = real_mode_state();
    constexpr std::uint64_t state = abi::vcpu_state::gprs | abi::vcpu_state::rsp_rip_rflags;
    std::uint64_t supply = abi::vcpu_state::stored;
    // Batches of 100 after a warm-up; the figure is the best batch's
    // average, so a scheduler tick that lands in one batch (its interrupt
    // and exit cost thousands of instructions) does not count.
    constexpr unsigned batches = 10, per_batch = 100, warm_up = 10;
    bool ok = true;
    std::uint64_t best = ~std::uint64_t{0};
    // The run call as a VMM's loop makes it: the stub alone, no message
    // building.
    const auto one_exit = [&] {
        const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_run), 2, 0},
                              {supply, state, 0, 0}};
        ok = ok && user::call(g.vcpu, m).status == Status::ok &&
             g.page->exit.reason == static_cast<std::uint32_t>(expect);
        abi::VcpuState& s = g.page->state;
        s.rax = s.rbx = s.rcx = s.rdx = 0;  // the VMM's answer: an empty leaf
        s.rip += g.page->exit.instruction_length;
        supply = state;
    };
    for (unsigned i = 0; i < warm_up; ++i) {
        one_exit();
    }
    for (unsigned b = 0; b < batches; ++b) {
        const std::uint64_t start = rdtsc();
        for (unsigned i = 0; i < per_batch; ++i) {
            one_exit();
        }
        const std::uint64_t took = rdtsc() - start;
        best = took < best ? took : best;
    }
    const std::uint64_t per_exit = best / per_batch;
    figure = ok ? per_exit : 0;
    env.report->info(name,
                     "{} instructions per exit round trip (guest, kernel, VMM and back), the best of {} batches "
                     "of {}{}",
                     per_exit, batches, per_batch, ok ? "" : " (SOME EXITS WERE WRONG)");
}

void cpuid_exit_bench(Env& env) {
    const std::uint8_t loop[] = {0x0f, 0xa2, 0xeb, 0xfc};  // cpuid; jmp -4
    exit_bench(env, "bench.vmx-cpuid-exit", loop, sizeof(loop), abi::VmxExit::cpuid, bare_exits.cpuid);
}

void io_exit_bench(Env& env) {
    const std::uint8_t loop[] = {0xba, 0x80, 0x00, 0xee, 0xeb, 0xfd};  // mov dx, 0x80; out dx, al; jmp -3
    exit_bench(env, "bench.vmx-io-exit", loop, sizeof(loop), abi::VmxExit::io_instruction, bare_exits.io);
}

// The VMM's own timer: a run with a deadline returns exit_reason_deadline
// when the TSC reaches it, from a guest that spins; a halted guest's run
// (abi::run_halted) waits for the deadline or a signal on the VMM's bound
// Notification, and while it waits a lower-priority thread has the CPU.
struct HaltWatch {
    volatile std::uint64_t spins = 0;
    CPtr signal_cap = 0;
    volatile bool signal = false;
};

void spin_while_halted(std::uint64_t arg) {
    auto& w = *reinterpret_cast<HaltWatch*>(arg);
    for (;;) {
        w.spins = w.spins + 1;
        if (w.signal) {
            w.signal = false;
            (void)user::signal(w.signal_cap);
        }
    }
}

void run_deadline(Env& env) {
    const char* name = "vmx.run-deadline";
    Guest g;
    if (!start_guest(env, name, g)) {
        return;
    }
    const std::uint8_t code[] = {0xeb, 0xfe};  // jmp $
    for (std::size_t i = 0; i < sizeof(code); ++i) {
        reinterpret_cast<std::uint8_t*>(scratch(40))[i] = code[i];
    }
    g.page->state = real_mode_state();
    const std::uint64_t ms = env.bi->tsc_khz;
    auto run_until = [&](std::uint64_t supply, std::uint64_t deadline) {
        return user::invoke(g.vcpu, abi::Invocation::vcpu_run, {supply, abi::vcpu_state::rsp_rip_rflags, deadline})
            .status;
    };
    // 1. A spinning guest, 2 ms.
    std::uint64_t start = user::rdtsc();
    const Status spun = run_until(abi::vcpu_state::stored, start + 2 * ms);
    const std::uint64_t spun_for = user::rdtsc() - start;
    const std::uint32_t spun_reason = g.page->exit.reason;
    const bool spin_ok = spun == Status::ok && spun_reason == abi::exit_reason_deadline && spun_for >= 2 * ms &&
                         g.page->state.rip == guest_code_gpa;
    // 2. Halted without a bound Notification: refused.
    const Status unbound = run_until(abi::run_halted, user::rdtsc() + ms);
    // 3. Halted, 3 ms: a lower-priority spinner runs meanwhile.
    Badged n;
    HaltWatch w;
    user::Thread spinner;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 2, n), name, "notification") ||
        !env.report->setup(user::invoke(root_tcb, abi::Invocation::tcb_bind_notification, {n.object}).status, name,
                           "bind") ||
        !env.report->setup(env.spawn(spinner, spin_while_halted, &w, 20), name, "spinner")) {
        return;
    }
    w.signal_cap = n.badged;
    start = user::rdtsc();
    w.spins = 0;  // counted afresh while the run waits
    const Status halted = run_until(abi::run_halted, start + 3 * ms);
    const std::uint64_t halted_for = user::rdtsc() - start;
    const std::uint64_t spins = w.spins;
    const std::uint32_t halted_reason = g.page->exit.reason;
    // 4. Halted with a far deadline: the spinner's signal ends it early.
    w.signal = true;
    start = user::rdtsc();
    const user::Reply signalled =
        user::invoke(g.vcpu, abi::Invocation::vcpu_run, {abi::run_halted, 0, start + 500 * ms});
    const std::uint64_t signalled_after = user::rdtsc() - start;
    const std::uint32_t signal_reason = g.page->exit.reason;
    (void)user::invoke(root_tcb, abi::Invocation::tcb_unbind_notification, {});
    (void)user::invoke(spinner.tcb(), abi::Invocation::tcb_suspend, {});
    const bool halt_ok =
        halted == Status::ok && halted_reason == abi::exit_reason_deadline && halted_for >= 3 * ms && spins > 0;
    const bool signal_ok = signalled.status == Status::ok && signal_reason == abi::exit_reason_signal &&
                           signalled.badge == 2 && signalled_after < 500 * ms;
    env.report->check(spin_ok && unbound == Status::invalid_argument && halt_ok && signal_ok, name,
                      "spinning guest: {} reason {:x} after {} TSC (deadline {}); halted without a bound Notification: "
                      "{}; halted: {} reason {:x} after {} TSC (deadline {}), a lower-priority thread ran {} loops "
                      "meanwhile; signalled: {} reason {:x} badge {} after {} TSC",
                      user::status_name(spun), spun_reason, spun_for, 2 * ms, user::status_name(unbound),
                      user::status_name(halted), halted_reason, halted_for, 3 * ms, spins,
                      user::status_name(signalled.status), signal_reason, signalled.badge, signalled_after);
}

const TestCase group[] = {
    {"vmx.guest-io-hlt", guest_io_hlt},
    {"vmx.bad-state-refused", bad_state},
    {"vmx.read-state", read_state},
    {"vmx.guest-msrs", guest_msrs},
    {"vmx.interrupt-window", interrupt_window},
    {"vmx.run-deadline", run_deadline},
    {"bench.vmx-cpuid-exit", cpuid_exit_bench},
    {"bench.vmx-io-exit", io_exit_bench},
};

}  // namespace

SEPTUM_TEST_GROUP(vmx_tests, group);

}  // namespace septum::roottask
