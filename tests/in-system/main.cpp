// The in-system suite: a root-task program of its own that tests the real
// kernel from user space (docs/in-system-tests.md). It shares the product
// root task's library (roottask/): the same start, pool, report and cell
// building.
#include "env.hpp"
#include "registry.hpp"
#include "septum/user/console.hpp"
#include "septum/user/invoke.hpp"
#include "start.hpp"

using namespace septum;
using namespace septum::roottask;

namespace {

// Every in-system test, each from the same clean pool.
void run_tests(Env& env) {
    user::Allocator& pool = *env.pool;
    user::Console& console = env.report->out();
    unsigned cleanup_failures = 0;
    unsigned tests_run = 0;
    for (const TestGroup* g : all_groups) {
        for (std::size_t i = 0; i < g->count; ++i) {
            const std::uint64_t mark = pool.mark();
            env.next_window = 0;
            g->cases[i].run(env);
            ++tests_run;
            (void)user::invoke(root_tcb, abi::Invocation::tcb_unbind_notification, {});
            if (pool.release_to(mark) != Status::ok) {
                console.print("cleanup after {} failed\n", g->cases[i].name);
                ++cleanup_failures;
            }
        }
    }
    env.report->check(cleanup_failures == 0, "roottask.cleanup", "{} tests' objects revoked, {} failures", tests_run,
                      cleanup_failures);
}

}  // namespace

extern "C" int septum_main(std::uint64_t bootinfo_address) { run_program(bootinfo_address, run_tests); }
