// Each thread has its own FPU/SSE registers: the kernel saves them when
// another thread takes the CPU. Two threads of equal priority put different
// values in XMM5, yield to each other and read them back; the root task's
// own value survives both.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

// XMM5 through general registers: user code is built without SSE, so only
// inline assembly touches the register.
// No clobber: with -mgeneral-regs-only the compiler never holds values there.
void set_xmm5(std::uint64_t v) { asm volatile("movq %0, %%xmm5" ::"r"(v)); }
std::uint64_t get_xmm5() {
    std::uint64_t v = 0;
    asm volatile("movq %%xmm5, %0" : "=r"(v));
    return v;
}

struct Worker {
    std::uint64_t value = 0;
    volatile std::uint64_t seen = 0;
};

void worker(std::uint64_t arg) {
    auto& w = *reinterpret_cast<Worker*>(arg);
    set_xmm5(w.value);
    for (int i = 0; i < 4; ++i) {
        user::yield();  // the other worker runs and sets its own value
    }
    w.seen = get_xmm5();
}

void per_thread(Env& env) {
    const char* name = "cpu.fpu-state-per-thread";
    constexpr std::uint64_t mine = 0x1111222233334444, first = 0xaaaa, second = 0xbbbb;
    set_xmm5(mine);
    Worker workers[2] = {{first, 0}, {second, 0}};
    user::Thread threads[2];
    for (unsigned i = 0; i < 2; ++i) {
        if (!env.report->setup(env.spawn(threads[i], worker, &workers[i], 100), name, "thread")) {
            return;
        }
    }
    if (!env.report->setup(settle(env, 10), name, "settle")) {
        return;
    }
    const std::uint64_t after = get_xmm5();
    env.report->check(workers[0].seen == first && workers[1].seen == second && after == mine, name,
                      "XMM5 read back {:x} and {:x} by the two workers (want {:x}, {:x}), {:x} by the root task",
                      workers[0].seen, workers[1].seen, first, second, after);
}

const TestCase group[] = {
    {"cpu.fpu-state-per-thread", per_thread},
};

}  // namespace

SEPTUM_TEST_GROUP(fpu_tests, group);

}  // namespace septum::roottask
