// Synchronous IPC between threads of the root task's address space: call
// and reply, long messages, badges, capability transfer, NBSend, and a
// caller whose callee is stopped.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

// Replies to each message with label + 1 and every word + 1 (the words
// beyond the registers are in the server's IPC buffer), and records the
// badge of the last sender.
struct Echo {
    CPtr endpoint = 0;
    volatile std::uint64_t last_badge = ~0ull;
    volatile std::uint64_t served = 0;
};

void echo_server(std::uint64_t arg) {
    auto& s = *reinterpret_cast<Echo*>(arg);
    user::Reply r = user::recv(s.endpoint);
    for (;;) {
        s.last_badge = r.badge;
        s.served = s.served + 1;
        const abi::MessageInfo in = r.message.info;
        user::Message m{abi::MessageInfo{in.label + 1, in.length, 0}, {}};
        for (unsigned i = 0; i < abi::register_message_count; ++i) {
            m.mr[i] = r.message.mr[i] + 1;
        }
        abi::IpcBuffer* b = user::ipc_buffer();
        for (unsigned i = abi::register_message_count; i < in.length && i < abi::max_message_length; ++i) {
            b->mr[i] += 1;
        }
        r = user::reply_recv(s.endpoint, m);
    }
}

Status start_echo(Env& env, Echo& e, user::Thread& t) {
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    SEPTUM_TRY(ep);
    e.endpoint = ep.value();
    return env.spawn(t, echo_server, &e, 200);
}

void call_reply(Env& env) {
    Echo e;
    user::Thread t;
    if (!env.report->setup(start_echo(env, e, t), "ipc.call-reply", "echo server")) {
        return;
    }
    const user::Reply a = user::call(e.endpoint, user::message(7, {10, 20, 30, 40}));
    const user::Reply b = user::call(e.endpoint, user::message(9, {1}));
    const bool ok = a.status == Status::ok && a.message.info.label == 8 && a.message.info.length == 4 &&
                    a.message.mr[0] == 11 && a.message.mr[3] == 41 && b.status == Status::ok &&
                    b.message.info.label == 10 && b.message.mr[0] == 2 && e.served == 2;
    env.report->check(ok, "ipc.call-reply", "labels {} {}, words {} {} {}, served {} (want 8 10, 11 41 2, 2)",
                      a.message.info.label, b.message.info.label, a.message.mr[0], a.message.mr[3], b.message.mr[0],
                      e.served);
}

void long_message(Env& env) {
    Echo e;
    user::Thread t;
    if (!env.report->setup(start_echo(env, e, t), "ipc.long-message", "echo server")) {
        return;
    }
    constexpr unsigned n = 12;
    const user::Reply r =
        user::call(e.endpoint, user::message(1, {100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111}));
    const abi::IpcBuffer* b = user::ipc_buffer();
    bool words = r.message.mr[0] == 101 && r.message.mr[3] == 104;
    for (unsigned i = abi::register_message_count; i < n; ++i) {
        words = words && b->mr[i] == 101 + i;
    }
    env.report->check(r.status == Status::ok && r.message.info.length == n && words, "ipc.long-message",
                      "{} words, last {} (want {} words, last {})", r.message.info.length, b->mr[n - 1], n, 100 + n);
}

void badges(Env& env) {
    Echo e;
    user::Thread t;
    if (!env.report->setup(start_echo(env, e, t), "ipc.badge", "echo server")) {
        return;
    }
    const Result<CPtr> b1 = env.mint(e.endpoint, rights_all, 0x1234);
    const Result<CPtr> b2 = env.mint(e.endpoint, rights_all, 0x77);
    if (!env.report->setup(b1, "ipc.badge", "mint") || !env.report->setup(b2, "ipc.badge", "mint")) {
        return;
    }
    const user::Reply r1 = user::call(b1.value(), user::message(1, {0}));
    const std::uint64_t seen1 = e.last_badge;
    (void)user::call(b2.value(), user::message(1, {0}));
    const std::uint64_t seen2 = e.last_badge;
    (void)user::call(e.endpoint, user::message(1, {0}));
    const std::uint64_t seen0 = e.last_badge;
    env.report->check(seen1 == 0x1234 && seen2 == 0x77 && seen0 == 0 && r1.badge == 0, "ipc.badge",
                      "receiver saw {:x}, {:x}, {:x}; caller saw {:x} on the reply (want 0x1234, 0x77, 0x0; 0x0)",
                      seen1, seen2, seen0, r1.badge);

    // A badge is set once: re-badging fails, a copy keeps the badge.
    const Result<CPtr> slot = env.slot();
    const Status rebadge =
        user::invoke(root_cnode, abi::Invocation::cnode_mint, {b1.value(), 64, slot.value(), 64, rights_all, 0x99})
            .status;
    const Status keep =
        user::invoke(root_cnode, abi::Invocation::cnode_mint, {b1.value(), 64, slot.value(), 64, rights_all, 0}).status;
    (void)user::call(slot.value(), user::message(1, {0}));
    const std::uint64_t seen_copy = e.last_badge;
    env.report->check(rebadge == Status::badge_already_set && keep == Status::ok && seen_copy == 0x1234,
                      "ipc.badge-immutable", "re-mint with badge 0x99: {}; mint keeping it: {}, receiver saw {:x}",
                      user::status_name(rebadge), user::status_name(keep), seen_copy);
}

// Receives one message with a receive slot set, records what came, tries
// the received capability (a Notification) and signals `done`.
struct Grantee {
    CPtr endpoint = 0;
    CPtr receive_slot = 0;
    CPtr done = 0;
    volatile std::uint64_t extra_caps = ~0ull;
    volatile Status signal_status = Status::preempted;
};

void grantee(std::uint64_t arg) {
    auto& g = *reinterpret_cast<Grantee*>(arg);
    abi::IpcBuffer* b = user::ipc_buffer();
    b->receive_cnode = root_cnode;
    b->receive_index = g.receive_slot;
    const user::Reply r = user::recv(g.endpoint);
    g.extra_caps = r.message.info.extra_caps;
    g.signal_status = user::signal(g.receive_slot).status;
    (void)user::signal(g.done);
}

// Sends a badged Notification capability through `via`; returns what the
// receiver saw.
bool transfer(Env& env, const char* name, bool grant) {
    Badged done, gift;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> receive_slot = env.slot();
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(receive_slot, name, "slot") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 5, gift), name, "notification")) {
        return false;
    }
    const std::uint64_t rights = grant ? rights_all : right_read | right_write | right_grant_reply;
    const Result<CPtr> via = env.mint(ep.value(), rights, 0);
    Grantee g;
    g.endpoint = ep.value();
    g.receive_slot = receive_slot.value();
    g.done = done.badged;
    user::Thread t;
    if (!env.report->setup(via, name, "mint") || !env.report->setup(env.spawn(t, grantee, &g, 100), name, "thread")) {
        return false;
    }
    user::ipc_buffer()->caps[0] = gift.badged;
    user::Message m = user::message(3, {});
    m.info.extra_caps = 1;
    const Status sent = user::send(via.value(), m).status;
    (void)user::wait(done.object);
    if (grant) {
        const std::uint64_t word = g.signal_status == Status::ok ? user::wait(gift.object).badge : 0;
        return env.report->check(sent == Status::ok && g.extra_caps == 1 && word == 5, name,
                                 "receiver got {} capability, signalled through it: {}, word {} (want 1, ok, 5)",
                                 g.extra_caps, user::status_name(g.signal_status), word);
    }
    return env.report->check(sent == Status::ok && g.extra_caps == 0 && g.signal_status == Status::empty_slot, name,
                             "without grant: receiver got {} capabilities, its slot: {} (want 0, empty_slot)",
                             g.extra_caps, user::status_name(g.signal_status));
}

void grant(Env& env) { (void)transfer(env, "ipc.grant", true); }
void no_grant(Env& env) { (void)transfer(env, "ipc.grant-refused", false); }

// NBSend without a receiver drops the message: the next receiver gets the
// next message.
struct Receiver {
    CPtr endpoint = 0;
    volatile std::uint64_t label = 0;
};

void receive_one(std::uint64_t arg) {
    auto& r = *reinterpret_cast<Receiver*>(arg);
    r.label = user::recv(r.endpoint).message.info.label;
}

void nb_send(Env& env) {
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    if (!env.report->setup(ep, "ipc.nbsend-drops", "endpoint")) {
        return;
    }
    const Status dropped = user::nb_send(ep.value(), user::message(5, {})).status;
    Receiver r;
    r.endpoint = ep.value();
    user::Thread t;
    if (!env.report->setup(env.spawn(t, receive_one, &r, 100), "ipc.nbsend-drops", "thread")) {
        return;
    }
    const Status sent = user::send(ep.value(), user::message(6, {})).status;
    // The receiver took the message; let it finish recording it.
    (void)settle(env, 10);
    env.report->check(dropped == Status::ok && sent == Status::ok && r.label == 6, "ipc.nbsend-drops",
                      "nbsend: {}, then send: {}; receiver got label {} (want 6)", user::status_name(dropped),
                      user::status_name(sent), r.label);
}

// A caller waiting for a reply learns when its callee is stopped.
struct CalleeStop {
    CPtr endpoint = 0;
    CPtr done = 0;
    volatile Status call_status = Status::preempted;
    volatile bool returned = false;
};

void take_call_and_hold(std::uint64_t arg) {
    auto& c = *reinterpret_cast<CalleeStop*>(arg);
    (void)user::recv(c.endpoint);
    (void)user::signal(c.done);
    (void)user::recv(c.endpoint);  // never replies
}

void call_and_record(std::uint64_t arg) {
    auto& c = *reinterpret_cast<CalleeStop*>(arg);
    c.call_status = user::call(c.endpoint, user::message(1, {})).status;
    c.returned = true;
    (void)user::signal(c.done);
}

void callee_suspended(Env& env) {
    const char* name = "ipc.callee-suspended";
    CalleeStop c;
    Badged done;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    if (!env.report->setup(ep, name, "endpoint") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification")) {
        return;
    }
    c.endpoint = ep.value();
    c.done = done.badged;
    user::Thread callee, caller;
    if (!env.report->setup(env.spawn(callee, take_call_and_hold, &c, 200), name, "callee") ||
        !env.report->setup(env.spawn(caller, call_and_record, &c, 150), name, "caller")) {
        return;
    }
    (void)user::wait(done.object);  // the callee holds the call
    const bool waiting = !c.returned;
    const Status suspended = user::invoke(callee.tcb(), abi::Invocation::tcb_suspend, {}).status;
    (void)user::wait(done.object);  // the caller ran on
    env.report->check(waiting && suspended == Status::ok && c.call_status == Status::empty_slot, name,
                      "caller waited: {}; after suspending the callee its call returned {} (want empty_slot)", waiting,
                      user::status_name(c.call_status));
}

const TestCase group[] = {
    {"ipc.call-reply", call_reply},
    {"ipc.long-message", long_message},
    {"ipc.badge", badges},
    {"ipc.grant", grant},
    {"ipc.grant-refused", no_grant},
    {"ipc.nbsend-drops", nb_send},
    {"ipc.callee-suspended", callee_suspended},
};

}  // namespace

SEPTUM_TEST_GROUP(ipc_tests, group);

}  // namespace septum::roottask
