// Interrupt delivery: an IRQHandler capability delivers its line as a
// signal of a Notification; the line stays masked until acknowledged. The
// source is the PIT (line 0), programmed here as a 100 Hz rate generator.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using abi::Invocation;
using caps::ObjectKind;

constexpr std::uint64_t pit_channel0 = 0x40;
constexpr std::uint64_t pit_command = 0x43;
constexpr std::uint64_t pit_rate_generator = 0x34;  // channel 0, low then high byte, mode 2, binary
constexpr std::uint64_t pit_count = 11932;          // 1193182 Hz / 100
constexpr std::uint64_t irq_badge = 0x100;
constexpr std::uint64_t timeout_badge = 0x1;
// About half a second of QEMU's TSC; in Bochs (one tick per instruction)
// some 10 s, spent only when an interrupt is lost. The PIT fires every
// 10 ms, or every ips / 100 instructions in Bochs.
constexpr std::uint64_t timeout_ticks = std::uint64_t{1} << 29;

Status out(std::uint64_t port, std::uint64_t value) {
    return user::invoke(root_io_ports, Invocation::io_port_out, {port, 1, value}).status;
}

// Signals the notification after a bounded time, so that a lost interrupt
// fails the check instead of hanging the run. It runs below everything.
struct Timeout {
    CPtr cap = 0;
    volatile bool fired = false;
};

void timeout(std::uint64_t arg) {
    auto& t = *reinterpret_cast<Timeout*>(arg);
    const std::uint64_t start = rdtsc();
    while (rdtsc() - start < timeout_ticks) {
    }
    t.fired = true;
    (void)user::signal(t.cap);
}

void delivery(Env& env) {
    const char* name = "irq.delivery";
    const CPtr irq0 = env.bi->irqs.first;
    Badged n;
    const Result<CPtr> no_write = env.make(ObjectKind::notification);
    if (env.bi->irqs.count == 0 || !env.report->setup(no_write, name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, irq_badge, n), name, "notification")) {
        return;
    }
    const Result<CPtr> read_only = env.mint(no_write.value(), right_read, 0);
    const Result<CPtr> timeout_cap = env.mint(n.object, rights_all, timeout_badge);
    if (!env.report->setup(read_only, name, "mint") || !env.report->setup(timeout_cap, name, "mint")) {
        return;
    }
    const Status early_ack = user::invoke(irq0, Invocation::irq_handler_ack, {}).status;
    const Status refused = user::invoke(irq0, Invocation::irq_handler_set_notification, {read_only.value()}).status;
    const Status not_n = user::invoke(irq0, Invocation::irq_handler_set_notification, {root_tcb}).status;
    const Status pit = out(pit_command, pit_rate_generator) == Status::ok &&
                               out(pit_channel0, pit_count & 0xff) == Status::ok &&
                               out(pit_channel0, pit_count >> 8) == Status::ok
                           ? Status::ok
                           : Status::invalid_argument;
    const Status bound = user::invoke(irq0, Invocation::irq_handler_set_notification, {n.badged}).status;
    Timeout t;
    t.cap = timeout_cap.value();
    user::Thread tt;
    if (!env.report->setup(pit, name, "PIT") || !env.report->setup(bound, name, "set_notification") ||
        !env.report->setup(env.spawn(tt, timeout, &t, 1), name, "timeout thread")) {
        return;
    }
    const std::uint64_t first = user::wait(n.object).badge;
    const Status ack = user::invoke(irq0, Invocation::irq_handler_ack, {}).status;
    const std::uint64_t second = t.fired ? 0 : user::wait(n.object).badge;
    (void)user::invoke(irq0, Invocation::irq_handler_ack, {});
    env.report->check(early_ack == Status::invalid_argument && refused == Status::insufficient_rights &&
                          not_n == Status::wrong_kind && first == irq_badge && ack == Status::ok && second == irq_badge,
                      name,
                      "PIT line 0: first signal {:x}, after ack {:x} (want {:x}; {:x} is the timeout); ack before "
                      "binding {}, read-only notification {}, a TCB {}",
                      first, second, irq_badge, timeout_badge, user::status_name(early_ack), user::status_name(refused),
                      user::status_name(not_n));
}

const TestCase group[] = {
    {"irq.delivery", delivery},
};

}  // namespace

SEPTUM_TEST_GROUP(irq_tests, group);

}  // namespace septum::roottask
