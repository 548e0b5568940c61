// Notifications: signal and wait, badges OR-ed into the word, a waiter
// woken by a signal, and a bound notification ending an Endpoint receive.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

void signal_wait(Env& env) {
    const char* name = "notify.signal-wait";
    Badged n;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 0x1, n), name, "notification")) {
        return;
    }
    const Status s = user::signal(n.badged).status;
    const user::Reply w = user::wait(n.object);
    env.report->check(s == Status::ok && w.status == Status::ok && w.badge == 1, name,
                      "signal: {}, wait: {} with word {:x} (want 0x1)", user::status_name(s),
                      user::status_name(w.status), w.badge);
}

void badge_or(Env& env) {
    const char* name = "notify.badge-or";
    Badged n;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 0x1, n), name, "notification")) {
        return;
    }
    const Result<CPtr> b4 = env.mint(n.object, rights_all, 0x4);
    const Result<CPtr> b10 = env.mint(n.object, rights_all, 0x10);
    if (!env.report->setup(b4, name, "mint") || !env.report->setup(b10, name, "mint")) {
        return;
    }
    (void)user::signal(n.badged);
    (void)user::signal(b4.value());
    (void)user::signal(b10.value());
    (void)user::signal(b4.value());
    const std::uint64_t first = user::wait(n.object).badge;
    (void)user::signal(b10.value());
    const std::uint64_t second = user::wait(n.object).badge;
    env.report->check(first == 0x15 && second == 0x10, name,
                      "signals 0x1 0x4 0x10 0x4 gave {:x}; the word was cleared, the next gave {:x} (want 0x15, 0x10)",
                      first, second);
}

struct Waiter {
    CPtr notification = 0;  // the waiter waits here; the signaller signals it (badge 0x2)
    CPtr signal_cap = 0;
    CPtr done = 0;
    volatile bool started = false;
    volatile bool blocked_before_signal = false;
    volatile std::uint64_t word = 0;
};

void wait_then_report(std::uint64_t arg) {
    auto& w = *reinterpret_cast<Waiter*>(arg);
    w.started = true;
    w.word = user::wait(w.notification).badge;
    (void)user::signal(w.done);
}

// Runs below the waiter, so only once the waiter has blocked.
void signal_waiter(std::uint64_t arg) {
    auto& w = *reinterpret_cast<Waiter*>(arg);
    w.blocked_before_signal = w.started && w.word == 0;
    (void)user::signal(w.signal_cap);
}

void wait_blocks(Env& env) {
    const char* name = "notify.wait-blocks";
    Badged n, done;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 0x2, n), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 0x1, done), name, "notification")) {
        return;
    }
    Waiter w;
    w.notification = n.object;
    w.signal_cap = n.badged;
    w.done = done.badged;
    user::Thread waiter, signaller;
    if (!env.report->setup(env.spawn(waiter, wait_then_report, &w, 100), name, "thread") ||
        !env.report->setup(env.spawn(signaller, signal_waiter, &w, 50), name, "thread")) {
        return;
    }
    (void)user::wait(done.object);
    env.report->check(w.blocked_before_signal && w.word == 2, name,
                      "waiter blocked before the signal: {}; woke with word {:x} (want true, 0x2)",
                      w.blocked_before_signal, w.word);
}

// A thread with a bound notification receives on an Endpoint; a signal
// ends the receive with the notification word as the badge.
struct BoundReceiver {
    CPtr endpoint = 0;
    CPtr done = 0;
    volatile std::uint64_t first_badge = 0, first_label = ~0ull;
    volatile std::uint64_t second_badge = 0, second_label = ~0ull;
};

void bound_receive(std::uint64_t arg) {
    auto& b = *reinterpret_cast<BoundReceiver*>(arg);
    user::Reply r = user::recv(b.endpoint);
    b.first_badge = r.badge;
    b.first_label = r.message.info.label;
    r = user::recv(b.endpoint);
    b.second_badge = r.badge;
    b.second_label = r.message.info.label;
    (void)user::signal(b.done);
}

void bound(Env& env) {
    const char* name = "notify.bound-recv";
    Badged n, done, ep;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 0x8, n), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 0x1, done), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::endpoint, 0x33, ep), name, "endpoint")) {
        return;
    }
    BoundReceiver b;
    b.endpoint = ep.object;
    b.done = done.badged;
    user::Thread t;
    if (!env.report->setup(t.create(*env.pool, user::ThreadSpec{root_cnode, root_vspace, env.next_window++, 100, 0}),
                           name, "thread")) {
        return;
    }
    const Status bind = user::invoke(t.tcb(), abi::Invocation::tcb_bind_notification, {n.object}).status;
    const Status again = user::invoke(t.tcb(), abi::Invocation::tcb_bind_notification, {n.object}).status;
    if (!env.report->setup(bind, name, "bind") ||
        !env.report->setup(t.start(bound_receive, reinterpret_cast<std::uint64_t>(&b)), name, "start")) {
        return;
    }
    // The receiver runs only when the root task blocks: the signal comes
    // first and is pending when it receives, then a message arrives.
    (void)user::signal(n.badged);
    (void)user::send(ep.badged, user::message(4, {}));
    (void)user::wait(done.object);
    env.report->check(b.first_badge == 0x8 && b.first_label == 0 && b.second_badge == 0x33 && b.second_label == 4 &&
                          again == Status::slot_occupied,
                      name,
                      "signal ended the receive with word {:x} label {}; then a message with badge {:x} label {}; "
                      "second bind: {} (want 0x8 0, 0x33 4, slot_occupied)",
                      b.first_badge, b.first_label, b.second_badge, b.second_label, user::status_name(again));
}

// The same, with the receiver already blocked when the signal comes.
void bound_blocked(Env& env) {
    const char* name = "notify.bound-recv-blocked";
    Badged n, done, ep;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 0x40, n), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 0x1, done), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::endpoint, 0x33, ep), name, "endpoint")) {
        return;
    }
    BoundReceiver b;
    b.endpoint = ep.object;
    b.done = done.badged;
    user::Thread t;
    if (!env.report->setup(t.create(*env.pool, user::ThreadSpec{root_cnode, root_vspace, env.next_window++, 100, 0}),
                           name, "thread") ||
        !env.report->setup(user::invoke(t.tcb(), abi::Invocation::tcb_bind_notification, {n.object}).status, name,
                           "bind") ||
        !env.report->setup(t.start(bound_receive, reinterpret_cast<std::uint64_t>(&b)), name, "start")) {
        return;
    }
    // A blocking send lets the receiver run: it takes the message at once.
    (void)user::send(ep.badged, user::message(4, {}));
    // Now it is blocked in its second receive; the signal ends it.
    (void)user::signal(n.badged);
    (void)user::wait(done.object);
    env.report->check(b.first_badge == 0x33 && b.first_label == 4 && b.second_badge == 0x40 && b.second_label == 0,
                      name, "message badge {:x} label {}, then signal word {:x} label {} (want 0x33 4, 0x40 0)",
                      b.first_badge, b.first_label, b.second_badge, b.second_label);
}

const TestCase group[] = {
    {"notify.signal-wait", signal_wait},          {"notify.badge-or", badge_or},
    {"notify.wait-blocks", wait_blocks},          {"notify.bound-recv", bound},
    {"notify.bound-recv-blocked", bound_blocked},
};

}  // namespace

SEPTUM_TEST_GROUP(notify_tests, group);

}  // namespace septum::roottask
