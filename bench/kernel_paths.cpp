// Path lengths of the kernel core's hottest syscalls, for callgrind
// (bench/kernel_paths.py): a null syscall (yield), an IPC round trip
// (client Call, server ReplyRecv) between two threads on the simulated
// machine, and an object invocation on the general path (SchedContext
// configure: decoded, then invoked). The argument picks which to run,
// `iterations` times; callgrind counts the instructions inside
// Kernel::handle_syscall, so the figure is the kernel core's own path: it
// excludes this harness and the SYSCALL entry and exit code of the machine
// (measured in Bochs instead).
#include <cstdio>
#include <cstdlib>

#include "septum/abi/invocation.hpp"
#include "sim/sim_system.hpp"

using namespace septum;
using namespace septum::kernel;

namespace {

constexpr unsigned iterations = 1000;

[[gnu::noinline]] void null_syscalls(sim::SimSystem& sys, Tcb& t) {
    for (unsigned i = 0; i < iterations; ++i) {
        sys.syscall(t, abi::Syscall::yield, 0, {});
    }
}

[[gnu::noinline]] void ipc_round_trips(sim::SimSystem& sys, Tcb& client, Tcb& server) {
    for (unsigned i = 0; i < iterations; ++i) {
        sys.syscall(client, abi::Syscall::call, sim::slot_endpoint, abi::MessageInfo{1, 2, 0}, {i, i});
        sys.syscall(server, abi::Syscall::reply_recv, sim::slot_endpoint, abi::MessageInfo{2, 1, 0}, {i});
    }
}

[[gnu::noinline]] void invocations(sim::SimSystem& sys, Tcb& t) {
    const abi::MessageInfo configure{static_cast<std::uint64_t>(abi::Invocation::sched_context_configure), 2, 0};
    for (unsigned i = 0; i < iterations; ++i) {
        sys.syscall(t, abi::Syscall::call, sim::slot_sched_context, configure, {0, 0});
    }
}

}  // namespace

int main(int argc, char** argv) {
    const char which = argc > 1 ? argv[1][0] : 'n';  // null, ipc, or invocation (v)
    sim::SimSystem sys;
    Tcb& server = sys.thread(sim::thread_count - 1);
    Tcb& client = sys.thread(sim::thread_count - 2);
    if (sys.kernel().current != &server) {
        std::fputs("the server does not run first\n", stderr);
        return 1;
    }
    sys.syscall(server, abi::Syscall::recv, sim::slot_endpoint, {});
    if (server.state != ThreadState::blocked_recv || sys.kernel().current != &client) {
        std::fputs("server did not block\n", stderr);
        return 1;
    }
    if (which == 'i') {
        ipc_round_trips(sys, client, server);
    } else if (which == 'v') {
        invocations(sys, client);
    } else {
        null_syscalls(sys, client);
    }
    if (client.state != ThreadState::ready || server.state != ThreadState::blocked_recv) {
        std::fputs("the round trips did not complete\n", stderr);
        return 1;
    }
    std::printf("%u iterations each\n", iterations);
    return 0;
}
