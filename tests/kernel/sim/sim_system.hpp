// A small system on the simulated machine (kernel/arch/host), for host
// tests and fuzzers of the kernel core: a shared CSpace and VSpace, a few
// threads, an Endpoint, a Notification and an Untyped, set up with the
// boot-time primitive the root task builder uses (create_initial).
//
// Slots of the root CNode (radix 8, guard 56 bits of zero: a slot's
// address is its index):
//   1 the CNode itself   2 Untyped (2^untyped_bits)   3 PML4
//   4 Endpoint           5 Notification               6 IOPortRange 0x3f8-0x3ff
//   7 SchedContext       8 IRQHandler 4
//   16 + i: TCB of thread i      24 + i: IPC buffer Frame of thread i
//   32..255 free
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kernel.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel::sim {

inline constexpr unsigned thread_count = 4;
inline constexpr std::uint64_t slot_cnode = 1, slot_untyped = 2, slot_vspace = 3, slot_endpoint = 4,
                               slot_notification = 5, slot_ports = 6, slot_sched_context = 7, slot_irq = 8;
inline constexpr std::uint64_t slot_tcb_base = 16, slot_ipc_buffer_base = 24, first_free_slot = 32;
inline constexpr std::uint8_t root_radix = 8;
inline constexpr std::uint8_t untyped_bits = 20;
inline constexpr std::uint64_t ipc_buffer_address = 0x7f0000000000;
// Simulated physical memory: enough for the system above; a test that needs
// a 2 MiB object beside it asks for more (at most max_memory_bytes).
inline constexpr std::uint64_t default_memory_bytes = std::uint64_t{4} << 20;
inline constexpr std::uint64_t max_memory_bytes = std::uint64_t{8} << 20;

// The message info of an invocation with `length` words.
inline abi::MessageInfo label(abi::Invocation op, std::uint8_t length) {
    return abi::MessageInfo{static_cast<std::uint64_t>(op), length, 0};
}

struct Result {
    Status status;
    std::uint64_t badge;
    abi::MessageInfo info;
    std::uint64_t mr[abi::register_message_count];
};

class SimSystem {
public:
    explicit SimSystem(std::uint64_t memory_bytes = default_memory_bytes);
    ~SimSystem();
    SimSystem(const SimSystem&) = delete;
    SimSystem& operator=(const SimSystem&) = delete;

    Kernel& kernel();
    Tcb& thread(unsigned i) { return *threads_[i]; }
    caps::Slot& slot(std::uint64_t index);

    // Plays thread t making a syscall; t must be the running thread (the
    // harness aborts otherwise). Afterwards the kernel schedules, as it does
    // before returning to user mode. Returns t's registers; if t blocked
    // they are whatever a later wake-up leaves.
    Result syscall(Tcb& t, abi::Syscall number, std::uint64_t cptr, abi::MessageInfo info,
                   std::initializer_list<std::uint64_t> words = {});
    // t's result registers now (after it was woken).
    static Result result_of(const Tcb& t);
    // Time passes (the simulated TSC runs at 1 MHz) and the timer fires:
    // the running thread is charged, budgets are replenished.
    static void advance(std::uint64_t microseconds);

    // Creates an object of `kind` (2^size_bits bytes, naturally aligned) in
    // free simulated memory, as a boot-time initial capability in the root
    // CNode's slot; returns its physical address.
    std::uint64_t place(caps::ObjectKind kind, std::uint8_t size_bits, std::uint64_t slot_index);

private:
    std::uint8_t* memory_ = nullptr;
    std::unique_ptr<std::uint32_t[]> generations_;
    std::uint64_t next_free_ = 0x100000;
    Tcb* threads_[thread_count] = {};
};

// Kernel-level invariants over the whole simulated system: thread states
// agree with the queues that hold them, queues are well formed, the ready
// queue holds exactly the ready threads, and the capability derivation tree
// is a tree whose children never have more rights than their parents.
// Returns an empty string when all hold, else the first violation.
std::string check_kernel_invariants(SimSystem& system);

}  // namespace septum::kernel::sim
