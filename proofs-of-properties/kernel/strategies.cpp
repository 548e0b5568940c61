#include "strategies.hpp"

#include "gen.hpp"
#include "real.hpp"

namespace septum::kernel::proofs {

namespace {

using abi::Syscall;

ThreadConfig thread(std::uint8_t priority, std::uint64_t budget, std::uint64_t period) {
    return ThreadConfig{priority, budget, period};
}

// What thread `t` (cell t / 2, thread t % 2) does next under strategy s, at
// step `step`, knowing whether it has a call to answer.
Action choose(Strategy s, int t, unsigned step, bool answering) {
    const unsigned cell = static_cast<unsigned>(t) / threads_per_cell;
    const unsigned which = static_cast<unsigned>(t) % threads_per_cell;
    const Duration dodge = before_deadline(1 + step % 2);
    switch (s) {
        case Strategy::spinners: {
            static const std::uint64_t stretches[] = {1300, 700, 2900, 450, 5100, 1999};
            return spin(cycles(stretches[step % 6]));
        }
        case Strategy::dodger:
            return after(dodge, ipc(Syscall::yield, 0, 0));
        case Strategy::blocker:
            // Thread 1 blocks on its Notification just before its deadline;
            // thread 0 computes and wakes it, now and then to its deadline.
            if (which == bound_thread) {
                return after(dodge, ipc(Syscall::wait, slot::notification, 0));
            }
            return step % 3 == 0 ? spin(before_deadline(0)) : after(dodge, ipc(Syscall::signal, slot::notification, 0));
        case Strategy::caller:
            if (cell == 1) {
                return after(dodge, ipc(Syscall::call, slot::channel_out, 1));
            }
            if (cell == 0) {
                return answering ? after(cycles(600), ipc(Syscall::reply_recv, slot::channel_in, 1, 0x99))
                                 : ipc(Syscall::recv, slot::channel_in, 0);
            }
            return spin(cycles(900));
    }
    return spin(cycles(1));
}

}  // namespace

Description linked_system() {
    Description d;
    d.cells = 3;
    d.channels = {{1, 0, true}, {0, 2, false}};
    d.shared = {{1, 0, false}, {2, 1, true}};
    d.threads[0] = {thread(100, 500, 6000), thread(101, 1000, 3000)};
    d.threads[1] = {thread(100, 500, 6000), thread(101, 500, 3000)};
    d.threads[2] = {thread(100, 1000, 6000), thread(101, 500, 3000)};
    return d;
}

Description isolated_system() {
    Description d;
    d.cells = 2;
    d.threads[0] = {thread(101, 1500, 4000), thread(100, 700, 2000)};
    // 3999: a period that ends a cycle before cell 0's first one
    d.threads[1] = {thread(101, 1000, 3999), thread(101, 300, 3000)};
    return d;
}

Description halves_system() {
    Description d;
    d.cells = 2;
    d.threads[0] = {thread(100, 990, 2000), thread(100, 10, 2000)};
    d.threads[1] = {thread(100, 990, 2000), thread(100, 10, 2000)};
    return d;
}

std::vector<Scenario> scenarios() {
    return {
        {"spinners-halves", Strategy::spinners, halves_system()},
        {"spinners-linked", Strategy::spinners, linked_system()},
        {"dodger-halves", Strategy::dodger, halves_system()},
        {"dodger-linked", Strategy::dodger, linked_system()},
        {"blocker-halves", Strategy::blocker, halves_system()},
        {"caller-linked", Strategy::caller, linked_system()},
    };
}

std::vector<Action> play(const Description& d, Strategy s, unsigned steps) {
    RealSystem sys(d);
    std::vector<Action> actions;
    for (unsigned step = 0; step < steps; ++step) {
        const int t = sys.running();
        const bool answering = t >= 0 && sys.view().threads[static_cast<unsigned>(t)].caller >= 0;
        // With nothing running, time passes until the next replenishment;
        // a thread with no time left before its deadline runs into it.
        Action a = t < 0 ? spin(before_deadline(0)) : choose(s, t, step, answering);
        if (a.run.before_deadline && a.kind != Action::Kind::spin && sys.resolve(a).run.cycles == 0) {
            a = spin(before_deadline(0));
        }
        (void)sys.advance(a);
        (void)sys.perform(a);
        actions.push_back(a);
    }
    return actions;
}

}  // namespace septum::kernel::proofs
