#include "dodger.hpp"

#include "septum/user/cpu.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/syscall.hpp"

namespace septum::roottask {

namespace {

// Two TSC reads of a tight loop further apart than this: something
// interrupted it.
constexpr std::uint64_t interrupted_ticks = 200;
// How long before an event it gives the CPU away: more than its own way
// out (a yield or a wait), so the event never finds it in the kernel.
constexpr std::uint64_t margin = 4096;

// The next event at or after `now` it knows of, given that it has run
// `used` ticks since it last woke: a kernel that charges only at its timer
// events has charged nothing since, and fires its budget's deadline after
// the whole budget.
std::uint64_t next_event(const Dodger& d, std::uint64_t now, std::uint64_t used) {
    std::uint64_t next = now + (used < d.budget ? d.budget - used : 0);
    if (d.events.interval != 0 && now >= d.events.phase) {
        const std::uint64_t k = (now - d.events.phase + d.events.interval - 1) / d.events.interval;
        const std::uint64_t tick = d.events.phase + k * d.events.interval;
        next = tick < next ? tick : next;
    }
    return next;
}

void dodge(std::uint64_t arg) {
    auto& d = *reinterpret_cast<Dodger*>(arg);
    std::uint64_t prev = user::rdtsc();
    std::uint64_t used = 0;  // ticks it ran since it last woke
    for (;;) {
        const std::uint64_t now = user::rdtsc();
        if (now - prev < interrupted_ticks) {
            used += now - prev;
            d.ran = d.ran + (now - prev);
        }
        prev = now;
        if (next_event(d, now, used) > now + margin) {
            continue;
        }
        // Away over the event, back at the next interrupt.
        d.dodges = d.dodges + 1;
        (void)user::invoke(d.irq, abi::Invocation::irq_handler_ack, {});
        (void)user::wait(d.wake);
        prev = user::rdtsc();
        used = 0;
    }
}

Status out(std::uint64_t port, std::uint64_t value) {
    return user::invoke(root_io_ports, abi::Invocation::io_port_out, {port, 1, value}).status;
}

// The PIT as a 1 kHz rate generator on line 0.
constexpr std::uint64_t pit_channel0 = 0x40, pit_command = 0x43;
constexpr std::uint64_t pit_rate_generator = 0x34;  // channel 0, low then high byte, mode 2, binary
constexpr std::uint64_t pit_count = 1193;           // 1,193,182 Hz / 1,000

}  // namespace

TimerEvents observe_timer_events(std::uint64_t span) {
    TimerEvents e;
    std::uint64_t first = 0, last = 0;
    const std::uint64_t start = user::rdtsc();
    std::uint64_t prev = start;
    while (prev - start < span) {
        const std::uint64_t now = user::rdtsc();
        if (now - prev >= interrupted_ticks) {
            first = e.seen == 0 ? prev : first;
            last = prev;
            ++e.seen;
        }
        prev = now;
    }
    if (e.seen >= 3) {
        e.interval = (last - first) / (e.seen - 1);
        e.phase = last;
    }
    return e;
}

Status start_dodger(Env& env, Dodger& d, CPtr sc, std::uint8_t priority) {
    if (env.bi->irqs.count == 0) {
        return Status::invalid_argument;
    }
    d.irq = env.bi->irqs.first;
    const Result<CPtr> wake = env.make(caps::ObjectKind::notification);
    SEPTUM_TRY(wake);
    d.wake = wake.value();
    SEPTUM_TRY(out(pit_command, pit_rate_generator));
    SEPTUM_TRY(out(pit_channel0, pit_count & 0xff));
    SEPTUM_TRY(out(pit_channel0, pit_count >> 8));
    // Badged: a signal with badge 0 that finds nobody waiting leaves no trace.
    const Result<CPtr> badged = env.mint(d.wake, right_write, 1);
    SEPTUM_TRY(badged);
    SEPTUM_TRY(user::invoke(d.irq, abi::Invocation::irq_handler_set_notification, {badged.value()}).status);
    SEPTUM_TRY(d.thread.create(*env.pool, {root_cnode, root_vspace, env.next_window++, priority}));
    SEPTUM_TRY(user::invoke(d.thread.tcb(), abi::Invocation::tcb_set_sched_context, {sc}).status);
    return d.thread.start(dodge, reinterpret_cast<std::uint64_t>(&d));
}

}  // namespace septum::roottask
