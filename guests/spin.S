// The spinning guest: masks interrupts and loops forever without a single
// exit. Only the kernel's VMX-preemption timer takes the CPU back from it.
    .code16
    .text
    .global _start
_start:
    cli
1:  jmp 1b

    .section .note.GNU-stack, "", @progbits
