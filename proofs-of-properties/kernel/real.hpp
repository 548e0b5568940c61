// The real kernel core on the simulated machine (kernel/arch/host), holding
// the cells of a Description: each built as the root task builds one, from
// its own memory region (CNode, PML4 and page tables, Untyped, Endpoint,
// Notification, frames, two threads with IPC buffers and SchedContexts),
// with the boot-time primitive the root task builder uses
// (Authority::create_initial) and the kernel's own page-table code. The
// declared channels and shared frames are the only capabilities that name
// another region's objects.
//
// The harness plays the running thread: a syscall writes its registers and
// IPC buffer and enters Kernel::handle_syscall as SYSCALL would; a store or
// load goes through the thread's page tables as the MMU would, and a
// missing or read-only mapping becomes a page fault for the kernel. It
// also plays the clock: time passes only when it advances the simulated
// TSC, and the timer's interrupt comes when the TSC reaches the deadline
// the kernel armed (Kernel::handle_time_event), as the LAPIC's one-shot
// TSC deadline would. The kernel itself takes no time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernel.hpp"
#include "model.hpp"

namespace septum::kernel::proofs {

class RealSystem {
public:
    explicit RealSystem(const Description& d);
    ~RealSystem();
    RealSystem(const RealSystem&) = delete;
    RealSystem& operator=(const RealSystem&) = delete;

    [[nodiscard]] const Placement& placement() const { return placement_; }
    [[nodiscard]] const Description& description() const { return description_; }

    // The action with its time in cycles: a time given as "before the
    // deadline" counts back from the kernel's next timer event for the
    // running thread, as a tenant that dodges ticks aims at it.
    [[nodiscard]] Action resolve(const Action& a) const;
    // Lets the action's time pass (Action::run, resolved), the timer firing
    // whenever it is due. Returns the stretches of time, in order, from the time
    // before to the time after.
    std::vector<Segment> advance(const Action& a);
    // The thread the scheduler runs now performs the action (nothing for a
    // spin, or when none runs). Returns what a load read (load_fault when
    // it faulted), else 0.
    std::uint64_t perform(const Action& a);
    // The running thread's index, -1 when none runs.
    [[nodiscard]] int running() const;
    [[nodiscard]] View view() const;

    [[nodiscard]] Tcb& thread(unsigned index) const;
    [[nodiscard]] caps::Slot& cell_slot(unsigned cell, std::uint64_t index) const;

private:
    void build_system_region();
    void build_cell(unsigned c);
    void share();
    void start_threads();
    std::uint64_t place(caps::Slot& dest, caps::ObjectKind kind, std::uint64_t phys, std::uint8_t size_bits);
    caps::Slot& root_slot(std::uint64_t index) const;
    void map(unsigned cell, std::uint64_t slot_index, std::uint64_t vaddr, bool write);
    int thread_index(const Tcb* t) const;

    Description description_;
    Placement placement_;
    [[nodiscard]] std::uint32_t ready_threads() const;

    std::unique_ptr<std::uint32_t[]> generations_;
    std::uint64_t next_root_slot_ = 1;
    std::uint64_t last_event_ = ~std::uint64_t{0};  // when the timer last fired (none yet)
};

}  // namespace septum::kernel::proofs
