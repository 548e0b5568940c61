// Fault delivery and resumption: a thread's exceptions and page faults go
// to its fault endpoint as messages; the handler's reply resumes it (at a
// new rip if it says so) or leaves it stopped; without a fault endpoint
// the thread stops and the system goes on.
#include "common.hpp"
#include "registry.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

constexpr std::uint64_t vector_ud = 6;
constexpr std::uint64_t magic = 0xfeedf00dcafe;

void ud2_resume(Env& env) {
    const char* name = "fault.exception-resume";
    ProbeRun run;
    if (!env.report->setup(start_probe(env, run, ProbeOp::ud2, 0, 0), name, "probe")) {
        return;
    }
    const user::Reply f = user::recv(run.endpoint);
    // While the fault is pending the thread's registers show the site.
    const user::Reply regs = user::invoke(run.thread.tcb(), abi::Invocation::tcb_read_registers, {});
    const user::Reply done = user::reply_recv(run.endpoint, fault_reply(address_of(fault_ud2_done)));
    const bool ok = f.message.info.label == fault_label(abi::Fault::exception) &&
                    f.message.mr[0] == address_of(fault_ud2) && f.message.mr[1] == vector_ud && f.message.mr[2] == 0 &&
                    regs.status == Status::ok && regs.message.mr[0] == address_of(fault_ud2) &&
                    done.message.info.label == probe_done_label;
    env.report->check(ok, name,
                      "ud2: label {} rip {:x} vector {} error {}; registers show rip {:x}; resumed after it: label {}",
                      f.message.info.label, f.message.mr[0], f.message.mr[1], f.message.mr[2], regs.message.mr[0],
                      done.message.info.label);
}

// The handler maps the missing page and resumes the thread at the same
// instruction, which now succeeds.
void page_fault_map(Env& env) {
    const char* name = "fault.page-fault-map-resume";
    ProbeRun run;
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    if (!env.report->setup(frame, name, "frame") ||
        !env.report->setup(start_probe(env, run, ProbeOp::read, scratch(20) + 8, 0), name, "probe")) {
        return;
    }
    const user::Reply f = user::recv(run.endpoint);
    const Status mapped = user::map_frame(*env.pool, root_vspace, frame.value(), scratch(20), user::rw);
    if (mapped == Status::ok) {
        *reinterpret_cast<volatile std::uint64_t*>(scratch(20) + 8) = magic;
    }
    const user::Reply done = user::reply_recv(run.endpoint, fault_reply(0));
    const bool ok = f.message.info.label == fault_label(abi::Fault::page_fault) &&
                    f.message.mr[0] == address_of(probe_read_insn) && f.message.mr[1] == scratch(20) + 8 &&
                    mapped == Status::ok && done.message.info.label == probe_done_label && done.message.mr[0] == magic;
    env.report->check(ok, name, "fault at {:x}; mapped: {}; the retried read returned {:x} (want {:x})",
                      f.message.mr[1], user::status_name(mapped), done.message.mr[0], magic);
}

// The fault endpoint's badge tells the handler whose fault it is.
void badge(Env& env) {
    const char* name = "fault.badge";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> badged = ep.ok() ? env.mint(ep.value(), rights_all, 0xfa) : Result<CPtr>(Status::empty_slot);
    user::Thread t;
    if (!env.report->setup(badged, name, "endpoint") ||
        !env.report->setup(env.spawn(
                               t, [](std::uint64_t) { fault_ud2(); }, 0, 100, badged.value()),
                           name, "thread")) {
        return;
    }
    const user::Reply f = user::recv(ep.value());
    env.report->check(f.badge == 0xfa && f.message.info.label == fault_label(abi::Fault::exception), name,
                      "fault message with badge {:x} (want 0xfa)", f.badge);
}

// Stopped threads: a fault reply with a label other than 0, and a fault
// with no fault endpoint at all.
struct Stoppable {
    CPtr done = 0;
    volatile bool went_on = false;
};

void fault_then_flag(std::uint64_t arg) {
    auto& s = *reinterpret_cast<Stoppable*>(arg);
    fault_ud2();
    s.went_on = true;
}

void signal_done(std::uint64_t arg) { (void)user::signal(reinterpret_cast<const Stoppable*>(arg)->done); }

void refused_reply(Env& env) {
    const char* name = "fault.reply-stops";
    Stoppable s;
    Badged done;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    user::Thread t, witness;
    if (!env.report->setup(ep, name, "endpoint") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification") ||
        !env.report->setup(env.spawn(t, fault_then_flag, &s, 100, ep.value()), name, "thread")) {
        return;
    }
    s.done = done.badged;
    const user::Reply f = user::recv(ep.value());
    (void)user::reply_recv(0, fault_reply(address_of(fault_ud2_done), 1));  // reply only: slot 0 is empty
    if (!env.report->setup(env.spawn(witness, signal_done, &s, 50), name, "witness")) {
        return;
    }
    (void)user::wait(done.object);
    const user::Reply regs = user::invoke(t.tcb(), abi::Invocation::tcb_read_registers, {});
    env.report->check(f.message.info.label == fault_label(abi::Fault::exception) && !s.went_on &&
                          regs.message.mr[0] == address_of(fault_ud2),
                      name, "after a reply with label 1 the thread went on: {}; its rip {:x} (want false, {:x})",
                      s.went_on, regs.message.mr[0], address_of(fault_ud2));
}

void no_handler(Env& env) {
    const char* name = "fault.no-handler-stops";
    Stoppable s;
    Badged done;
    user::Thread t, witness;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification")) {
        return;
    }
    s.done = done.badged;
    if (!env.report->setup(env.spawn(t, fault_then_flag, &s, 100), name, "thread") ||
        !env.report->setup(env.spawn(witness, signal_done, &s, 50), name, "witness")) {
        return;
    }
    (void)user::wait(done.object);  // the witness runs only once the faulting thread stopped
    const user::Reply regs = user::invoke(t.tcb(), abi::Invocation::tcb_read_registers, {});
    // Resuming it runs the faulting instruction again: it stops again.
    const Status resumed = user::invoke(t.tcb(), abi::Invocation::tcb_resume, {}).status;
    const Status settled = settle(env, 50);
    env.report->check(!s.went_on && regs.message.mr[0] == address_of(fault_ud2) && resumed == Status::ok &&
                          settled == Status::ok && !s.went_on,
                      name, "the thread went on: {}; stopped at rip {:x} (want {:x}); the system went on", s.went_on,
                      regs.message.mr[0], address_of(fault_ud2));
}

const TestCase group[] = {
    {"fault.exception-resume", ud2_resume}, {"fault.page-fault-map-resume", page_fault_map}, {"fault.badge", badge},
    {"fault.reply-stops", refused_reply},   {"fault.no-handler-stops", no_handler},
};

}  // namespace

SEPTUM_TEST_GROUP(fault_tests, group);

}  // namespace septum::roottask
