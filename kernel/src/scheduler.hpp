// Fixed-priority preemptive round-robin scheduling. The ready queue holds
// every runnable thread, the running one included (at the head of its
// priority); the highest-priority head runs. Threads of equal priority take
// turns of `timeslice_ticks` timer ticks.
#pragma once

#include <cstdint>

#include "object/tcb.hpp"

namespace septum::kernel {

class Scheduler {
public:
    static constexpr unsigned priorities = 256;
    static constexpr std::uint32_t timeslice_ticks = 5;

    // Appends a thread to its priority's queue and marks it ready.
    void make_ready(Tcb& t);
    // Takes a thread out of the ready queue (it is about to block or stop).
    void remove(Tcb& t);
    // The thread to run: the head of the highest non-empty priority.
    [[nodiscard]] Tcb* choose() const;
    // Moves the head of t's priority to the tail (yield, end of timeslice).
    void rotate(Tcb& t);
    // A timer tick charged to the running thread; rotates when its slice ends.
    void tick(Tcb* running);
    // Changes a thread's priority, requeueing it if it is ready.
    void set_priority(Tcb& t, std::uint8_t priority);

    [[nodiscard]] bool is_queued(const Tcb& t) const;

private:
    Tcb* head_[priorities] = {};
    Tcb* tail_[priorities] = {};
    std::uint64_t bitmap_[priorities / 64] = {};
};

}  // namespace septum::kernel
