// Kernel entries from user mode and the way back: the syscall entry, traps
// (exceptions and interrupts taken in user mode), and the loop that picks
// the next thread or idles.
#include "clock.hpp"
#include "fpu.hpp"
#include "interrupts.hpp"
#include "kernel.hpp"
#include "lapic.hpp"
#include "physical.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::kernel {

Kernel kernel;

namespace {

// Enters a thread that has an address space. Its FPU/SSE state goes into
// the FPU only when another thread's is there (saved first).
[[noreturn]] void enter(Tcb& t) {
    if (kernel.fpu_owner != &t) {
        if (kernel.fpu_owner != nullptr) {
            arch::fpu::save(kernel.fpu_owner->fpu);
        }
        arch::fpu::restore(t.fpu);
        kernel.fpu_owner = &t;
    }
    kernel.current = &t;
    arch::set_current_context(&t.context);
    arch::enter_user(t.context, t.vspace().cap.object, t.fast_return);
}

// Enters the chosen thread, or idles with interrupts on until an interrupt
// makes one ready. A thread without an address space cannot run: it stops.
[[noreturn]] void run() {
    for (;;) {
        Tcb* t = kernel.schedule();
        if (t == nullptr) {
            // Idle, until an interrupt: the timer (armed for the next
            // replenishment, if any) or a device's. Pending destruction
            // keeps the timer coming.
            if (kernel.authority.destruction_pending()) {
                kernel.scheduler.wake_by(arch::clock::now() + kernel.scheduler.cycles(Kernel::reap_interval_us));
            }
            const std::uint64_t before = arch::lapic::ticks();
            asm volatile("sti; hlt; cli" ::: "memory");
            if (arch::lapic::ticks() != before) {
                kernel.handle_time_event();
            }
            continue;
        }
        if (t->vspace().empty()) {
            kernel.suspend(*t);
            continue;
        }
        enter(*t);
    }
}

void save_frame(arch::UserContext& c, const arch::InterruptFrame& f) {
    c.r15 = f.r15, c.r14 = f.r14, c.r13 = f.r13, c.r12 = f.r12;
    c.r11 = f.r11, c.r10 = f.r10, c.r9 = f.r9, c.r8 = f.r8;
    c.rbp = f.rbp, c.rdi = f.rdi, c.rsi = f.rsi, c.rdx = f.rdx;
    c.rcx = f.rcx, c.rbx = f.rbx, c.rax = f.rax;
    c.rip = f.rip, c.cs = f.cs, c.rflags = f.rflags, c.rsp = f.rsp, c.ss = f.ss;
}

}  // namespace

void user_trap(arch::InterruptFrame& f) {
    Tcb* t = kernel.current;
    if (t != nullptr) {
        save_frame(t->context, f);
        t->fast_return = false;
        if (f.vector < arch::exception_count) {
            std::uint64_t cr2 = 0;
            asm volatile("mov %%cr2, %0" : "=r"(cr2));
            kernel.handle_user_exception(f.vector, f.error_code, cr2);
        } else if (f.vector == arch::lapic::timer_vector) {
            kernel.handle_time_event();
        }
    }
    run();
}

// From user_entry.S, on the kernel stack, with the caller's registers saved.
extern "C" [[noreturn]] void syscall_dispatch() {
    if (kernel.handle_syscall()) {
        // The IPC fast path chose the partner; it runs unless it lost its
        // address space while it waited.
        Tcb& next = *kernel.scheduler.running();
        if (!next.vspace().empty()) {
            enter(next);
        }
    }
    run();
}

[[noreturn]] void start_user_space() { run(); }

void resume(Tcb& t) {
    if (kernel.scheduler.running() != &t || t.vspace().empty()) {
        run();
    }
    enter(t);
}

}  // namespace septum::kernel
