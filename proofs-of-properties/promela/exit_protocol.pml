/*
 * The exit and notification protocol between the kernel, a VMM and the
 * device servers of one cell (docs/separation.md, "The exit protocol").
 *
 *  - A device server raises an interrupt line and signals the VMM thread's
 *    bound Notification with its badge (Kernel::signal: a waiter gets the
 *    word, else the bit is ORed into the word).
 *  - The VMM's run call (kernel vcpu_run) first returns any signalled word
 *    as an exit with reason exit_reason_signal; otherwise it enters the
 *    guest. Exits the kernel keeps (timer, external interrupts) restart the
 *    run, which checks the word again; every other exit returns to the VMM.
 *  - The VMM (vmm-server handle_exit, deliver_interrupts) records signalled
 *    lines as pending virtual interrupts; before the next entry it injects
 *    one if the guest can take it, else asks for an interrupt-window exit.
 *    After a HLT exit with nothing to inject it waits on the Notification.
 *  - The guest takes an injected interrupt at entry and acknowledges the
 *    device, which may then raise the line again.
 *
 * Two mutants (spin -D...) put back what the checks must catch:
 * MUTANT_NO_WINDOW_AFTER_INJECT, the VMM that asked for no window while
 * an injection was going in, and MUTANT_NO_SIGNAL_AT_RUN, a run call that
 * does not return a signalled word before entering the guest.
 *
 * Checked: no deadlock (no invalid end state), no lost virtual interrupt
 * (the assertion where the VMM blocks: every raised, unacknowledged line is
 * known to someone), and with weak fairness that every raised interrupt is
 * eventually delivered (the LTL property `delivered`).
 */

#define NDEV 2
#define RAISES 2

bit word[NDEV];        /* the bound Notification's word, one badge bit per device */
bit got[NDEV];         /* the word handed to the VMM when a signal woke its wait */
bool vmm_waiting;      /* the VMM thread is blocked in wait on the Notification */
bit pending[NDEV];     /* virtual interrupts the VMM knows and has not injected */
bool injecting;        /* an injection is in the state page for the next entry */
byte injected;         /* which device's interrupt */
bool window;           /* interrupt-window exiting requested */
bool guest_if = 1;     /* the guest's RFLAGS.IF */
bool halted;           /* the guest executed HLT */
byte raised[NDEV];
byte delivered[NDEV];
bit outstanding[NDEV]; /* raised and not yet acknowledged by the guest */

/* Kernel::signal on the VMM thread's bound Notification. */
inline signal(d) {
    if
    :: vmm_waiting -> got[d] = 1; vmm_waiting = false
    :: else -> word[d] = 1
    fi
}

proctype Device(byte d) {
    do
    :: atomic { raised[d] < RAISES && !outstanding[d] ->
                raised[d]++; outstanding[d] = 1; signal(d) }
    :: raised[d] == RAISES -> break
    od
}

/* deliver_interrupts: inject one pending interrupt if the guest can take
 * it; if any is still waiting (IF clear, another event going in first, or
 * a second interrupt), ask for an interrupt-window exit. The request is
 * made afresh at every exit (Vcpu::begin_exit clears it). */
inline deliver() {
    if
    :: !injecting && guest_if && pending[0] -> injecting = true; injected = 0; pending[0] = 0
    :: !injecting && guest_if && pending[1] -> injecting = true; injected = 1; pending[1] = 0
    :: else -> skip
    fi;
#ifdef MUTANT_NO_WINDOW_AFTER_INJECT
    /* the VMM before the fix: no window once an injection is going in */
    window = !injecting && (pending[0] || pending[1])
#else
    window = pending[0] || pending[1]
#endif
}

inline take_word() {
    pending[0] = pending[0] | word[0]; word[0] = 0;
    pending[1] = pending[1] | word[1]; word[1] = 0
}

active proctype Vmm() {
    bool hlt_exit;
enter:
    /* vcpu_run: atomic in the kernel (one CPU, interrupts off). */
    atomic {
#ifndef MUTANT_NO_SIGNAL_AT_RUN
        if
        :: word[0] || word[1] -> take_word(); hlt_exit = false; goto handled
        :: else -> skip
        fi;
#endif
        /* VM entry: an injected interrupt is taken at once; its handler
         * acknowledges the device and returns with IRET (IF set again). */
        if
        :: injecting -> delivered[injected]++; outstanding[injected] = 0; injecting = false; halted = false
        :: else -> skip
        fi;
        /* The guest runs until an exit. IF cleared by CLI lasts at most
         * until the next entry, where the guest sets it again. */
        if
        :: halted -> goto enter      /* still halted: the kernel keeps the timer exit */
        :: else -> skip
        fi;
        if
        :: !guest_if -> guest_if = 1   /* STI */
        :: else -> skip
        fi;
        if
        :: window -> window = false; hlt_exit = false; goto handled   /* interrupt-window exit */
        :: else -> skip
        fi;
        if
        :: goto enter                                     /* kept exit: timer, external interrupt */
        :: hlt_exit = false                             /* an exit the VMM handles (I/O, CPUID, ...) */
        :: guest_if = 0; goto enter                       /* CLI, then a kept exit */
        :: halted = true; hlt_exit = true               /* STI; HLT */
        fi
    }
handled:
    deliver();
    if
    :: hlt_exit && !injecting ->
        atomic {
            if
            :: word[0] || word[1] -> take_word()
            :: else ->
                /* Blocking here must not strand a raised line. */
                assert(!(outstanding[0] && !pending[0] && !(injecting && injected == 0)) &&
                       !(outstanding[1] && !pending[1] && !(injecting && injected == 1)));
                vmm_waiting = true
            fi
        };
end_wait:
        atomic {
            !vmm_waiting ->
            pending[0] = pending[0] | got[0]; got[0] = 0;
            pending[1] = pending[1] | got[1]; got[1] = 0
        };
        hlt_exit = false;
        goto handled
    :: else -> goto enter
    fi
}

init {
    atomic { run Device(0); run Device(1) }
}

ltl delivered { [] ((outstanding[0] -> <> !outstanding[0]) && (outstanding[1] -> <> !outstanding[1])) }
