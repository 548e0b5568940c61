// What the kernel does with an exception or timer event taken in user mode,
// once the thread's registers are saved (entry.cpp on the machine; a test
// or fuzzer on the simulated machine).
#include "kernel.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel {

namespace {
constexpr std::uint64_t reap_per_tick = 64;  // destruction steps per timer event
constexpr std::uint64_t vector_nmi = 2;
constexpr std::uint64_t vector_page_fault = 14;
}  // namespace

void Kernel::handle_user_exception(std::uint64_t vector, std::uint64_t error_code, std::uint64_t cr2) {
    if (current == nullptr || vector == vector_nmi) {
        return;  // an NMI is not the thread's doing
    }
    Tcb& t = *current;
    if (vector == vector_page_fault) {
        deliver_fault(t, static_cast<std::uint64_t>(abi::Fault::page_fault), t.context.rip, cr2, error_code);
    } else {
        deliver_fault(t, static_cast<std::uint64_t>(abi::Fault::exception), t.context.rip, vector, error_code);
    }
}

// Each timer event also advances destruction that a delete left pending (a
// CNode's contents wait for the reaper), so objects held only there - a
// thread among them - go within bounded time even if nobody makes another
// delete, revoke or retype: while it is pending, an idle kernel still
// takes a timer event at least every reap interval (entry.cpp).
void Kernel::handle_time_event() {
    scheduler.time_event();
    // Halted guests whose VMM's deadline came: their runs execute again.
    const std::uint64_t now = arch::clock::now();
    while (Tcb* t = scheduler.pop_expired(now)) {
        cancel_ipc(*t);
        scheduler.make_ready(*t);
    }
    if (authority.destruction_pending()) {
        caps::Budget budget{reap_per_tick};
        (void)authority.reap(budget);
    }
}

}  // namespace septum::kernel
