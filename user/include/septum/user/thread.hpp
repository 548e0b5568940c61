// Threads: a TCB retyped from an Allocator, a stack and an IPC buffer in a
// stack window (user/layout.hpp), started at a function or an address.
#pragma once

#include <cstdint>

#include "septum/user/alloc.hpp"
#include "septum/user/layout.hpp"

namespace septum::user {

struct ThreadSpec {
    CPtr cspace;              // CSpace root (a CNode resolving depth-64 addresses in one level)
    CPtr vspace;              // address space (PML4) where stack and IPC buffer are mapped
    std::uint64_t window;     // stack window index (thread_stack_top)
    std::uint8_t priority;    // at most the caller's
    CPtr fault_endpoint = 0;  // 0: none (a fault stops the thread)
    bool same_vspace = true;  // vspace is the caller's: the stack and buffer are reachable here
};

class Thread {
public:
    // Makes the TCB, maps the stack and IPC buffer and configures the thread.
    Status create(Allocator& a, const ThreadSpec& spec);
    // Starts fn(arg) (same address space only); when fn returns the thread
    // suspends itself.
    Status start(void (*fn)(std::uint64_t), std::uint64_t arg);
    // Starts at an address with rdi, rsi, rdx as given and rsp at the
    // stack top.
    Status start_at(std::uint64_t rip, std::uint64_t rdi, std::uint64_t rsi, std::uint64_t rdx);

    [[nodiscard]] CPtr tcb() const { return tcb_; }
    [[nodiscard]] std::uint64_t stack_top() const { return stack_top_; }
    [[nodiscard]] std::uint64_t ipc_buffer_address() const { return stack_top_ + ipc_buffer_offset; }

private:
    CPtr tcb_ = 0;
    std::uint64_t stack_top_ = 0;
    std::uint8_t priority_ = 0;
};

// Suspends the calling thread for good (the runtime stores each thread's
// TCB address in its IPC buffer's user_data).
[[noreturn]] void thread_exit();

}  // namespace septum::user
