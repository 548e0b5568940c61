// Interrupt entry stubs: one 16-byte stub per vector, so the IDT can be
// filled by address arithmetic. Each stub makes the stack uniform (an error
// code, real or zero, then the vector) and joins isr_common, which saves the
// general registers in the order of InterruptFrame (interrupts.hpp).

#include "gprs.inc"

    .text
    .balign 16
    .global isr_stubs
isr_stubs:
    .set vector, 0
    .rept 256
    .balign 16
    // Vectors whose exceptions push an error code (SDM Vol. 3 6.13).
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp isr_common
    .set vector, vector + 1
    .endr

isr_common:
    PUSH_GPRS
    cld
    mov %rsp, %rdi
    call interrupt_dispatch
    POP_GPRS
    add $16, %rsp
    iretq

    .section .note.GNU-stack, "", @progbits
