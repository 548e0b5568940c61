// A thread control block: the user registers, the capabilities the thread
// runs with, and its scheduling and IPC state. Lives in a 2 KiB object
// retyped from Untyped (capabilities/: ObjectKind::tcb).
#pragma once

#include <cstdint>

#include "fpu_state.hpp"
#include "septum/abi/syscall.hpp"
#include "septum/caps/slot.hpp"
#include "user_context.hpp"

namespace septum::kernel {

struct Notification;
struct SchedContext;

enum class ThreadState : std::uint8_t {
    inactive,        // made or suspended: never scheduled
    ready,           // in the ready queue, or running
    blocked_send,    // in an Endpoint's send queue
    blocked_recv,    // in an Endpoint's receive queue
    blocked_reply,   // sent a Call; waits for the callee's reply
    blocked_notify,  // waits on a Notification
};

struct Tcb {
    // Capabilities the thread runs with, as derived copies in the derivation
    // tree: revoking a CNode, PML4 or Frame takes them from the thread too.
    enum SlotIndex : unsigned { cspace_slot, vspace_slot, ipc_buffer_slot, fault_endpoint_slot, slot_count };
    caps::Slot slots[slot_count];

    arch::UserContext context;
    arch::fpu::State fpu;  // saved while another thread owns the FPU

    ThreadState state;
    std::uint8_t priority;
    bool fast_return;     // entered by SYSCALL: SYSRET may return to it
    bool ipc_is_call;     // blocked_send by a Call: wants a reply
    bool ipc_can_grant;   // blocked_send through a capability with the grant right
    bool in_ready_queue;  // kept by the scheduler: next/prev link the ready queue

    // Ready-queue or IPC-queue links: a thread is in at most one queue.
    Tcb* next;
    Tcb* prev;
    void* queue_owner;  // the Endpoint or Notification whose queue holds it (nullptr: ready queue)

    std::uint64_t ipc_badge;  // badge of the capability it sends through
    std::uint64_t ipc_buffer_address;
    Tcb* caller;  // the thread waiting for this thread's reply
    Tcb* callee;  // while blocked_reply: the thread that holds the reply
    Notification* bound_notification;
    SchedContext* sched_context;  // nullptr: runs without a budget
    bool halted;                  // blocked_notify as a VMM whose guest is halted (Kernel::halt)
    std::uint64_t wake_at;        // while in the scheduler's sleep list: when it wakes (TSC), else 0
    Tcb* next_sleeper;
    std::uint64_t timeslice_left;  // TSC cycles before it gives way to an equal priority

    // A fault waiting for its handler: the message the fault endpoint gets
    // (label, then words), kept apart from the user registers it describes.
    bool fault_pending;
    std::uint64_t fault_label;
    std::uint64_t fault_words[3];

    [[nodiscard]] const caps::Slot& cspace() const { return slots[cspace_slot]; }
    [[nodiscard]] const caps::Slot& vspace() const { return slots[vspace_slot]; }

    // The thread's IPC buffer through the kernel's mapping, or nullptr when
    // it has none (never configured, or its Frame capability was revoked).
    [[nodiscard]] abi::IpcBuffer* ipc_buffer() const;
};

static_assert(sizeof(Tcb) <= 2048, "a TCB is a 2 KiB object");

// Initialises a TCB in freshly retyped, zeroed memory.
Tcb* tcb_create(void* memory);

}  // namespace septum::kernel
