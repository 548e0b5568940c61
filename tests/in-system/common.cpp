#include "common.hpp"

namespace septum::roottask {

Status make_badged(Env& env, caps::ObjectKind kind, std::uint64_t badge, Badged& out) {
    const Result<CPtr> object = env.make(kind);
    SEPTUM_TRY(object);
    const Result<CPtr> badged = env.mint(object.value(), rights_all, badge);
    SEPTUM_TRY(badged);
    out = Badged{object.value(), badged.value()};
    return Status::ok;
}

namespace {

void prober(std::uint64_t arg) {
    const auto& run = *reinterpret_cast<const ProbeRun*>(arg);
    std::uint64_t result = 0;
    switch (run.op) {
        case ProbeOp::read:
            result = probe_read(run.address);
            break;
        case ProbeOp::write:
            probe_write(run.address, run.value);
            break;
        case ProbeOp::exec:
            probe_exec(run.address);
            break;
        case ProbeOp::ud2:
            fault_ud2();
            break;
    }
    (void)user::send(run.endpoint, user::message(probe_done_label, {result}));
}

void signal_once(std::uint64_t cap) { (void)user::signal(cap); }

}  // namespace

Status settle(Env& env, std::uint8_t priority) {
    Badged n;
    SEPTUM_TRY(make_badged(env, caps::ObjectKind::notification, 1, n));
    user::Thread t;
    SEPTUM_TRY(env.spawn(t, signal_once, n.badged, priority));
    return user::wait(n.object).status;
}

Status start_probe(Env& env, ProbeRun& run, ProbeOp op, std::uint64_t address, std::uint64_t value,
                   std::uint8_t priority) {
    run.op = op;
    run.address = address;
    run.value = value;
    const Result<CPtr> ep = env.make(caps::ObjectKind::endpoint);
    SEPTUM_TRY(ep);
    run.endpoint = ep.value();
    return env.spawn(run.thread, prober, &run, priority, run.endpoint);
}

user::Message fault_reply(std::uint64_t rip, std::uint64_t label) {
    return rip != 0 ? user::message(label, {rip}) : user::message(label, {});
}

BareExitFigures bare_exits;

bool skip_without_vmx(Env& env, const char* name) {
    if (user::cpu_has_vmx()) {
        return false;
    }
    env.report->skip(name, "no VT-x on this CPU (CPUID.1:ECX[5]=0)");
    return true;
}

}  // namespace septum::roottask
