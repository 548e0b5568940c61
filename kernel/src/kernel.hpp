// The kernel's state and its operations. One instance, `kernel`, lives for
// the life of the system; the host build of the kernel core makes its own.
//
// The kernel is also the capability library's Machine: it gives the library
// CNode slot memory and initialises and tears down the objects the library
// creates and destroys.
#pragma once

#include <cstdint>

#include "address_spaces.hpp"
#include "object/endpoint.hpp"
#include "object/notification.hpp"
#include "object/tcb.hpp"
#include "scheduler.hpp"
#include "septum/abi/syscall.hpp"
#include "septum/caps/authority.hpp"

namespace septum::kernel {

// An interrupt line given to user space: the notification it signals.
struct IrqBinding {
    Notification* notification;
    std::uint64_t badge;
};

inline constexpr unsigned irq_lines = 16;

class Kernel final : public caps::Machine {
public:
    Kernel() : authority(*this) {}
    Kernel(const Kernel&) = delete;
    Kernel& operator=(const Kernel&) = delete;

    caps::Authority authority;
    Scheduler scheduler;
    Tcb* current = nullptr;    // the thread whose registers are live
    Tcb* fpu_owner = nullptr;  // the thread whose FPU/SSE state is in the FPU
    AddressSpaces address_spaces;
    IrqBinding irqs[irq_lines] = {};
    // Boot only: objects placed now keep their memory's contents (the boot
    // modules' pages), instead of being cleared as every new object is.
    bool preserve_contents = false;

    // --- caps::Machine -----------------------------------------------------
    caps::Slot* cnode_slots(caps::PhysAddr object) override;
    void object_created(caps::ObjectKind kind, caps::PhysAddr object, std::uint8_t size_bits) override;
    void object_destroyed(caps::ObjectKind kind, caps::PhysAddr object, std::uint8_t size_bits) override;
    void capability_deleted(const caps::Capability& cap) override;

    // --- kernel entries (the current thread's registers are saved) ---------
    // True when the IPC fast path already made its partner the running
    // thread (the caller may enter it without scheduling).
    bool handle_syscall();
    void handle_user_exception(std::uint64_t vector, std::uint64_t error_code, std::uint64_t cr2);
    // The timer's interrupt, or a guest's preemption timer: the scheduler
    // charges and replenishes (Scheduler::time_event), the reaper advances.
    void handle_time_event();
    // A timer event comes within this long (TSC cycles) while destruction
    // is pending, even when nothing runs.
    static constexpr std::uint64_t reap_interval_us = 1000;

    // --- the IPC fast path (fastpath.cpp) ------------------------------------
    enum class Fast : std::uint8_t { declined, handled, switched };
    Fast fast_call(Tcb& caller);
    Fast fast_reply_recv(Tcb& server);
    Fast fast_vcpu_run(Tcb& caller, caps::Slot& slot, std::uint64_t info);

    // --- IPC (ipc.cpp) -------------------------------------------------------
    struct SendOptions {
        std::uint64_t badge;
        bool can_grant;
        bool is_call;
        bool blocking;
    };
    void send(Tcb& sender, Endpoint& ep, const SendOptions& options);
    void receive(Tcb& receiver, Endpoint& ep);
    void reply(Tcb& replier);
    void signal(Notification& n, std::uint64_t badge);
    void wait(Tcb& waiter, Notification& n);
    // A VMM thread whose guest is halted waits on its bound Notification
    // until a signal or the TSC reaches `deadline` (0: none), without
    // taking the signal: its run call executes again and takes it.
    void halt(Tcb& t, std::uint64_t deadline);
    // Takes a thread out of whatever it waits in; it keeps its state.
    void cancel_ipc(Tcb& t);
    // Stops a thread: out of every queue, inactive.
    void suspend(Tcb& t);
    // Sends a fault message for t to its fault endpoint, or suspends t.
    void deliver_fault(Tcb& t, std::uint64_t label, std::uint64_t w0, std::uint64_t w1, std::uint64_t w2);

    // Masks the line and forgets its notification.
    void unbind_irq(unsigned line);

    // Whether the capability (a Frame or paging structure) holds a mapping
    // in an address space that still exists.
    [[nodiscard]] bool mapping_alive(const caps::Capability& cap) const {
        return cap.mapped_root != 0 && address_spaces.alive(cap.mapped_root, cap.mapped_generation);
    }
    // Records in the capability that it mapped its object at vaddr in the
    // address space `root` (a PML4, or with `guest` a GuestMemory: EPT).
    // Addresses are page aligned, so bit 0 of mapped_address marks EPT.
    void record_mapping(caps::Capability& cap, std::uint64_t root, std::uint64_t vaddr, bool guest = false) const;
    static constexpr std::uint64_t mapped_in_guest = 1;
    // Removes the mapping the capability made, if it is alive, and forgets it.
    void unmap(caps::Capability& cap);

    // Decides the thread to run next and makes it current; nullptr when
    // none is ready.
    Tcb* schedule() {
        current = scheduler.schedule();
        return current;
    }

private:
    void transfer(Tcb& from, Tcb& to, std::uint64_t badge, bool can_grant);
    bool transfer_cap(Tcb& from, Tcb& to);
    void abandon_caller(Tcb& t);
    void link_reply(Tcb& caller, Tcb& callee);
    void fault_reply(Tcb& replier, Tcb& faulted);
    void complete_send(Tcb& sender, Tcb& receiver, const SendOptions& options);
    void destroy_tcb(Tcb& t);
    void destroy_endpoint(Endpoint& ep);
    void destroy_notification(Notification& n);
    void destroy_vcpu(std::uint64_t object);
};

extern Kernel kernel;

// Runs user space: never returns (entry.cpp).
[[noreturn]] void start_user_space();
// Returns to the running thread t at once, without scheduling: for kernel
// entries after which nothing else can have become ready (entry.cpp).
[[noreturn]] void resume(Tcb& t);

// Message word i of a thread (registers, then its IPC buffer).
std::uint64_t message_word(const Tcb& t, unsigned i);
void set_message_word(Tcb& t, unsigned i, std::uint64_t value);
// Result registers of a kernel entry (inline: every syscall and exit sets
// them).
inline void set_status(Tcb& t, Status status) { t.context.rax = static_cast<std::uint64_t>(status); }
inline void set_message_info(Tcb& t, const abi::MessageInfo& info) { t.context.rsi = info.encode(); }

}  // namespace septum::kernel
