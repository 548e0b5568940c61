// Scheduling: strict priorities, preemption when a higher-priority thread
// becomes ready, round robin among equals by yield and by the timer.
// Budgets: a SchedContext limits a thread to a share of the CPU.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

constexpr unsigned max_log = 16;

struct Log {
    volatile unsigned count = 0;
    volatile std::uint64_t entries[max_log] = {};
    void add(std::uint64_t v) {
        if (count < max_log) {
            entries[count] = v;
            count = count + 1;
        }
    }
};

struct Runner {
    Log* log = nullptr;
    std::uint64_t id = 0;
};

void log_id(std::uint64_t arg) {
    const auto& r = *reinterpret_cast<const Runner*>(arg);
    r.log->add(r.id);
}

// Threads made ready together run highest priority first, whatever the
// order they were started in.
void priority_order(Env& env) {
    const char* name = "sched.priority-order";
    Log log;
    const std::uint8_t priorities[] = {50, 150, 100, 20, 200};
    Runner runners[5];
    user::Thread threads[5];
    for (unsigned i = 0; i < 5; ++i) {
        runners[i] = Runner{&log, priorities[i]};
        if (!env.report->setup(env.spawn(threads[i], log_id, &runners[i], priorities[i]), name, "thread")) {
            return;
        }
    }
    if (!env.report->setup(settle(env, 10), name, "settle")) {
        return;
    }
    const bool ok = log.count == 5 && log.entries[0] == 200 && log.entries[1] == 150 && log.entries[2] == 100 &&
                    log.entries[3] == 50 && log.entries[4] == 20;
    env.report->check(ok, name, "ran in the order {} {} {} {} {} (want 200 150 100 50 20)", log.entries[0],
                      log.entries[1], log.entries[2], log.entries[3], log.entries[4]);
}

// A low-priority thread signals a notification a higher one waits on: the
// higher one runs before the signal returns.
struct Preempt {
    CPtr notification = 0;
    CPtr signal_cap = 0;
    Log log;
};

void high(std::uint64_t arg) {
    auto& p = *reinterpret_cast<Preempt*>(arg);
    p.log.add(1);
    (void)user::wait(p.notification);
    p.log.add(3);
}

void low(std::uint64_t arg) {
    auto& p = *reinterpret_cast<Preempt*>(arg);
    p.log.add(2);
    (void)user::signal(p.signal_cap);
    p.log.add(4);
}

void preempt(Env& env) {
    const char* name = "sched.preempt";
    Preempt p;
    Badged n;
    user::Thread h, l;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 1, n), name, "notification")) {
        return;
    }
    p.notification = n.object;
    p.signal_cap = n.badged;
    if (!env.report->setup(env.spawn(h, high, &p, 150), name, "thread") ||
        !env.report->setup(env.spawn(l, low, &p, 50), name, "thread") ||
        !env.report->setup(settle(env, 10), name, "settle")) {
        return;
    }
    const bool ok = p.log.count == 4 && p.log.entries[0] == 1 && p.log.entries[1] == 2 && p.log.entries[2] == 3 &&
                    p.log.entries[3] == 4;
    env.report->check(ok, name,
                      "steps {} {} {} {} (want 1 2 3 4: high waits, low signals, high runs before low goes on)",
                      p.log.entries[0], p.log.entries[1], p.log.entries[2], p.log.entries[3]);
}

// Equal priorities take turns at yield.
struct Yielder {
    Log* log = nullptr;
    std::uint64_t id = 0;
};

void yield_thrice(std::uint64_t arg) {
    const auto& y = *reinterpret_cast<const Yielder*>(arg);
    for (int i = 0; i < 3; ++i) {
        y.log->add(y.id);
        user::yield();
    }
}

void yield_round_robin(Env& env) {
    const char* name = "sched.yield-round-robin";
    Log log;
    Yielder a{&log, 1}, b{&log, 2}, c{&log, 3};
    user::Thread ta, tb, tc;
    if (!env.report->setup(env.spawn(ta, yield_thrice, &a, 100), name, "thread") ||
        !env.report->setup(env.spawn(tb, yield_thrice, &b, 100), name, "thread") ||
        !env.report->setup(env.spawn(tc, yield_thrice, &c, 100), name, "thread") ||
        !env.report->setup(settle(env, 10), name, "settle")) {
        return;
    }
    bool ok = log.count == 9;
    for (unsigned i = 0; i < 9; ++i) {
        ok = ok && log.entries[i] == 1 + i % 3;
    }
    env.report->check(ok, name, "{} turns: {} {} {} {} {} {} ... (want 1 2 3 1 2 3 1 2 3)", log.count, log.entries[0],
                      log.entries[1], log.entries[2], log.entries[3], log.entries[4], log.entries[5]);
}

// Equal priorities that never yield or block still take turns: the timer
// ends each one's timeslice. Each spins until the other has run several
// times, or gives up after a bound (so a broken timer fails, not hangs).
struct Spinner {
    volatile std::uint64_t* last = nullptr;
    volatile std::uint64_t* switches = nullptr;
    std::uint64_t id = 0;
    volatile std::uint64_t iterations = 0;
};

constexpr std::uint64_t wanted_switches = 6;
constexpr std::uint64_t spin_limit = 50'000'000;

void spin(std::uint64_t arg) {
    auto& s = *reinterpret_cast<Spinner*>(arg);
    std::uint64_t i = 0;
    for (; i < spin_limit && *s.switches < wanted_switches; ++i) {
        if (*s.last != s.id) {
            *s.last = s.id;
            *s.switches = *s.switches + 1;
        }
    }
    s.iterations = i;
}

void timer_round_robin(Env& env) {
    const char* name = "sched.timer-round-robin";
    volatile std::uint64_t last = 0, switches = 0;
    Spinner a{&last, &switches, 1}, b{&last, &switches, 2};
    user::Thread ta, tb;
    if (!env.report->setup(env.spawn(ta, spin, &a, 100), name, "thread") ||
        !env.report->setup(env.spawn(tb, spin, &b, 100), name, "thread") ||
        !env.report->setup(settle(env, 10), name, "settle")) {
        return;
    }
    env.report->check(switches >= wanted_switches && a.iterations < spin_limit && b.iterations < spin_limit, name,
                      "{} switches between two spinning threads (want {}), after {} and {} iterations", switches,
                      wanted_switches, a.iterations, b.iterations);
}

// Priorities: a thread cannot give any thread a priority above its own.
struct Raiser {
    CPtr target = 0;
    CPtr done = 0;
    volatile Status above = Status::preempted;
    volatile Status equal = Status::preempted;
};

void raise_other(std::uint64_t arg) {
    auto& r = *reinterpret_cast<Raiser*>(arg);
    r.above = user::invoke(r.target, abi::Invocation::tcb_set_priority, {101}).status;
    r.equal = user::invoke(r.target, abi::Invocation::tcb_set_priority, {100}).status;
    (void)user::signal(r.done);
}

void priority_limit(Env& env) {
    const char* name = "sched.priority-limit";
    Raiser r;
    Badged done;
    user::Thread raiser, target;
    if (!env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification") ||
        !env.report->setup(target.create(*env.pool, {root_cnode, root_vspace, env.next_window++, 10}), name,
                           "target")) {
        return;
    }
    r.target = target.tcb();
    r.done = done.badged;
    if (!env.report->setup(env.spawn(raiser, raise_other, &r, 100), name, "thread")) {
        return;
    }
    (void)user::wait(done.object);
    const Status too_high = user::invoke(target.tcb(), abi::Invocation::tcb_set_priority, {256}).status;
    env.report->check(
        r.above == Status::invalid_argument && r.equal == Status::ok && too_high == Status::invalid_argument, name,
        "a priority-100 thread setting 101: {}, 100: {}; the root task setting 256: {}", user::status_name(r.above),
        user::status_name(r.equal), user::status_name(too_high));
}

// A SchedContext limits a thread to its budget in every period, whatever
// its priority: a lower-priority spinner runs while the limited one, which
// never blocks, is out of budget.
struct Budgeted {
    volatile std::uint64_t low_count = 0;
    volatile std::uint64_t changes = 0;
    volatile std::uint64_t iterations = 0;
    CPtr done = 0;
};

constexpr std::uint64_t wanted_changes = 3;

void limited_spinner(std::uint64_t arg) {
    auto& b = *reinterpret_cast<Budgeted*>(arg);
    std::uint64_t last = b.low_count;
    std::uint64_t i = 0;
    for (; i < spin_limit && b.changes < wanted_changes; ++i) {
        if (b.low_count != last) {
            last = b.low_count;
            b.changes = b.changes + 1;
        }
    }
    b.iterations = i;
    (void)user::signal(b.done);
}

void unlimited_spinner(std::uint64_t arg) {
    auto& b = *reinterpret_cast<Budgeted*>(arg);
    for (;;) {
        b.low_count = b.low_count + 1;
    }
}

void budget(Env& env) {
    const char* name = "sched.budget";
    Budgeted b;
    Badged done;
    const Result<CPtr> sc = env.make(ObjectKind::sched_context);
    const Result<CPtr> sc2 = env.make(ObjectKind::sched_context);
    user::Thread limited, spinner, other;
    if (!env.report->setup(sc, name, "SchedContext") || !env.report->setup(sc2, name, "SchedContext") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification") ||
        !env.report->setup(limited.create(*env.pool, {root_cnode, root_vspace, env.next_window++, 100}), name,
                           "thread") ||
        !env.report->setup(other.create(*env.pool, {root_cnode, root_vspace, env.next_window++, 100}), name,
                           "thread")) {
        return;
    }
    b.done = done.badged;
    const ErrorCase paths[] = {
        {"budget above the period",
         user::invoke(sc.value(), abi::Invocation::sched_context_configure, {3000, 2000}).status,
         Status::invalid_argument},
        {"budget 0 in a period", user::invoke(sc.value(), abi::Invocation::sched_context_configure, {0, 2000}).status,
         Status::invalid_argument},
        {"5 ms in 20 ms", user::invoke(sc.value(), abi::Invocation::sched_context_configure, {5000, 20000}).status,
         Status::ok},
        {"bind a Notification",
         user::invoke(limited.tcb(), abi::Invocation::tcb_set_sched_context, {done.object}).status, Status::wrong_kind},
        {"bind", user::invoke(limited.tcb(), abi::Invocation::tcb_set_sched_context, {sc.value()}).status, Status::ok},
        {"bind to a second thread",
         user::invoke(other.tcb(), abi::Invocation::tcb_set_sched_context, {sc.value()}).status, Status::slot_occupied},
    };
    if (const ErrorCase* c = first_mismatch(paths)) {
        env.report->check(false, name, "{}: got {}, want {}", c->what, user::status_name(c->got),
                          user::status_name(c->want));
        return;
    }
    if (!env.report->setup(limited.start(limited_spinner, reinterpret_cast<std::uint64_t>(&b)), name, "start") ||
        !env.report->setup(env.spawn(spinner, unlimited_spinner, &b, 50), name, "thread")) {
        return;
    }
    (void)user::wait(done.object);
    env.report->check(b.changes >= wanted_changes && b.iterations < spin_limit, name,
                      "a priority-50 spinner ran {} times while a priority-100 one with 5 ms in 20 ms never blocked "
                      "(want {}), after {} iterations; {} configuration errors as expected",
                      b.changes, wanted_changes, b.iterations, sizeof(paths) / sizeof(paths[0]) - 2);
}

const TestCase group[] = {
    {"sched.priority-order", priority_order},       {"sched.preempt", preempt},
    {"sched.yield-round-robin", yield_round_robin}, {"sched.timer-round-robin", timer_round_robin},
    {"sched.priority-limit", priority_limit},       {"sched.budget", budget},
};

}  // namespace

SEPTUM_TEST_GROUP(sched_tests, group);

}  // namespace septum::roottask
