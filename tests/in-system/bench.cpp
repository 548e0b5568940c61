// Path lengths, reported as INFO lines (not checks: nothing here can fail
// the run). In Bochs with clock sync=none one TSC tick is one executed
// instruction, so the figures are instruction counts; in QEMU they are TSC
// ticks of the host and vary from run to run.
#include "common.hpp"
#include "registry.hpp"
#include "remote_space.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

constexpr std::uint64_t iterations = 1000;

// The average TSC delta of one call of op, over `iterations` calls.
template <typename Op>
std::uint64_t average(Op op) {
    for (int i = 0; i < 10; ++i) {
        op();  // warm the caches and TLB
    }
    const std::uint64_t start = rdtsc();
    for (std::uint64_t i = 0; i < iterations; ++i) {
        op();
    }
    return (rdtsc() - start) / iterations;
}

// A null system call: into the kernel and straight back. Two candidates,
// the cheaper one is reported: yield with no other thread of the root
// task's priority (the scheduler requeues the caller), and Recv on the
// empty slot 0 (the lookup fails at once).
void null_syscall(Env& env) {
    const std::uint64_t yield = average([] { user::yield(); });
    const std::uint64_t recv = average([] { (void)user::recv(0); });
    const bool yield_cheaper = yield <= recv;
    env.report->info("bench.null-syscall",
                     "{} instructions ({}; the other candidate, {}, took {}), average of {} round trips",
                     yield_cheaper ? yield : recv, yield_cheaper ? "yield" : "recv on an empty slot",
                     yield_cheaper ? "recv on an empty slot" : "yield", yield_cheaper ? recv : yield, iterations);
}

// Call from the root task, ReplyRecv in a server in another address space
// (remote.S), one word each way.
void ipc_round_trip(Env& env) {
    RemoteSpace r;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    if (!ep.ok() || make_remote(env, r, ep.value(), 200, 0) != Status::ok) {
        env.report->info("bench.ipc-call-replyrecv", "not measured: the remote server could not be set up");
        return;
    }
    const CPtr e = ep.value();
    bool ok = true;
    const std::uint64_t round_trip = average([&] {
        const user::Reply reply = user::call(e, user::message(REMOTE_LABEL_ECHO, {1}));
        ok = ok && reply.status == Status::ok && reply.message.mr[0] == 2;
    });
    env.report->info("bench.ipc-call-replyrecv",
                     "{} instructions (round trip), {} one-way; Call + ReplyRecv between two address spaces, "
                     "average of {}{}",
                     round_trip, round_trip / 2, iterations, ok ? "" : " (SOME REPLIES WERE WRONG)");
}

const TestCase group[] = {
    {"bench.null-syscall", null_syscall},
    {"bench.ipc-call-replyrecv", ipc_round_trip},
};

}  // namespace

SEPTUM_TEST_GROUP(bench_tests, group);

}  // namespace septum::roottask
