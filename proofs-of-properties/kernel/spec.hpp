// The abstract specification of the kernel: what it does, in plain
// containers, with no pointers, queues threaded through objects or page
// tables. Cells, capabilities (a derivation tree of who holds what),
// memory (frames and the mappings that reach them), threads, IPC and
// scheduling. The refinement checker runs it beside the real kernel and
// requires the same View after every step.
//
// It covers the operations the checkers generate (gen.cpp;
// docs/separation.md lists them); anything else makes `unmodelled()` say
// what, which the checkers treat as an error in the alphabet, not as
// agreement.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "model.hpp"
#include "septum/caps/object_kind.hpp"

namespace septum::kernel::proofs {

enum class Run : std::uint8_t { inactive, ready, blocked_send, blocked_recv, blocked_reply, blocked_notify };

class Spec {
public:
    Spec(const Description& d, const Placement& p);

    // The same contracts as RealSystem::advance and RealSystem::perform.
    void advance(const Action& a);
    std::uint64_t perform(const Action& a);
    [[nodiscard]] View view() const;
    [[nodiscard]] int running() const { return running_; }
    [[nodiscard]] const std::string& unmodelled() const { return unmodelled_; }

    // --- for the theorems: who holds what ---------------------------------
    struct Cap {
        caps::ObjectKind kind = caps::ObjectKind::null;
        std::uint64_t object = 0;
        std::uint8_t size_bits = 0;
        std::uint8_t rights = 0;
        std::uint64_t badge = 0;
        std::uint8_t guard_bits = 0;
        std::uint64_t guard = 0;
        std::uint64_t watermark = 0;
        std::uint64_t mapped_root = 0, mapped_address = 0;
        CapLocation parent{};
        std::vector<CapLocation> children;
    };
    [[nodiscard]] const std::map<CapLocation, Cap>& caps() const { return caps_; }

private:
    struct Thread {
        unsigned cell = 0;
        std::uint64_t tcb = 0;
        Run state = Run::inactive;
        std::uint8_t priority = 0;
        std::array<std::uint64_t, 7> regs{};  // rax, rdi, rsi, rdx, r8, r9, r10
        int caller = -1, callee = -1;
        std::uint64_t ipc_badge = 0;
        bool ipc_can_grant = false, ipc_is_call = false;
        int sc = -1;
        std::uint64_t bound = 0;           // its bound Notification (0: none)
        std::uint64_t timeslice_left = 0;  // cycles
        bool queued = false;
    };
    struct Buffer {  // the IPC buffer fields of a frame
        std::array<std::uint64_t, abi::max_message_length> mr{};
        std::uint64_t send_cap = 0, receive_cnode = 0, receive_index = 0;
    };
    struct SchedContext {  // in cycles of the TSC
        std::uint64_t budget = 0, period = 0, used = 0, period_start = 0;
        int bound = -1;
        bool throttled = false;
    };
    struct Notification {
        std::uint64_t word = 0;
        std::deque<int> waiters;
        int bound = -1;  // the thread whose Endpoint receive a signal ends
    };
    struct Lookup {
        Status status = Status::ok;
        CapLocation where{};
    };

    // --- capabilities (spec_caps.cpp) ---------------------------------------
    Lookup lookup_slot(const Cap& root, std::uint64_t cptr, std::uint64_t depth) const;
    Lookup lookup_cap(const Cap& root, std::uint64_t cptr, std::uint64_t depth) const;
    Lookup lookup_in_cspace(int t, std::uint64_t cptr) const;
    void install(CapLocation parent, CapLocation dest, Cap cap);
    void delete_cap(CapLocation where);
    void revoke_below(CapLocation where);
    void destroy(const Cap& cap);
    bool has_cap(CapLocation where) const { return caps_.count(where) != 0; }
    Status invoke(int t, CapLocation target, const abi::MessageInfo& info);
    Status invoke_cnode(int t, const Cap& root, std::uint64_t op, unsigned argc);
    Status invoke_untyped(int t, CapLocation untyped, unsigned argc);
    Status invoke_frame(int t, CapLocation frame, std::uint64_t op, unsigned argc);
    void unmap(Cap& cap);
    std::uint64_t arg(int t, unsigned i) const;

    // --- IPC and syscalls (spec_ipc.cpp) ------------------------------------
    void syscall(int t, const Action& a);
    bool fast_call(int t);
    bool fast_reply_recv(int t);
    void dispatch(int t, abi::Syscall number);
    void send(int t, std::uint64_t ep, std::uint64_t badge, bool grant, bool call, bool blocking);
    void receive(int t, std::uint64_t ep);
    void reply(int t);
    void signal(std::uint64_t ntfn, std::uint64_t badge);
    void wait(int t, std::uint64_t ntfn);
    void transfer(int from, int to, std::uint64_t badge, bool grant);
    bool transfer_cap(int from, int to);
    void link_reply(int caller, int callee);
    void abandon_caller(int t);
    void suspend(int t);
    void cancel_ipc(int t);
    Buffer* buffer(int t);
    std::uint64_t message_word(int t, unsigned i);
    void set_message_word(int t, unsigned i, std::uint64_t v);
    std::uint64_t memory_access(int t, const Action& a);

    // --- scheduling (spec_sched.cpp) ----------------------------------------
    void make_ready(int t);
    void unqueue(int t);
    void enqueue(int t, bool at_head);
    int highest_queued() const;
    bool runnable(int t) const;
    void schedule();
    bool switch_to(int t);
    void rotate(int t);
    [[nodiscard]] std::uint64_t deadline() const;
    void pass_time(std::uint64_t to);
    void charge(int t, std::uint64_t from, std::uint64_t to);
    void time_event();
    void replenish_due();

    std::string unmodelled_;
    std::map<CapLocation, Cap> caps_;
    std::vector<Thread> threads_;
    std::map<std::uint64_t, std::deque<int>> endpoints_;
    std::map<std::uint64_t, Notification> notifications_;
    std::map<std::uint64_t, Words> memory_;
    std::map<std::uint64_t, Buffer> buffers_;
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<std::uint64_t, bool>> ptes_;
    std::vector<SchedContext> sched_contexts_;
    std::map<std::uint8_t, std::deque<int>> ready_;
    std::deque<int> throttled_;  // most recently throttled first
    int running_ = -1;
    bool yield_pending_ = false;
    std::uint64_t now_ = 0;              // the TSC
    std::vector<std::uint64_t> cnodes_;  // every CNode (a cell's), for the view
    friend class SpecBuilder;
};

}  // namespace septum::kernel::proofs
