// User-mode entry and exit. The kernel runs with interrupts off on one
// kernel stack (kernel_stack_top); user registers live in the TCB.
#include "gprs.inc"
#include "layout.h"

#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define CONTEXT_SIZE (20 * 8)

    .text
// SYSCALL: rcx = user rip, r11 = user rflags, IF/DF/TF/AC cleared by SFMASK.
// Saves the user state into the running thread's UserContext, then calls
// syscall_dispatch on the kernel stack. syscall_dispatch does not return.
    .global syscall_entry
syscall_entry:
    movq %rsp, user_rsp_scratch(%rip)
    movq current_context_top(%rip), %rsp
    pushq $USER_DS
    pushq user_rsp_scratch(%rip)
    pushq %r11
    pushq $USER_CS
    pushq %rcx
    PUSH_GPRS
    movq $kernel_stack_top, %rsp
    cld
    call syscall_dispatch
    ud2

// enter_user_iret(const UserContext* rdi, uint64_t cr3 rsi)
    .global enter_user_iret
enter_user_iret:
    movq %cr3, %rax
    cmpq %rax, %rsi
    je 1f
    movq %rsi, %cr3
1:  movq %rdi, %rsp
    POP_GPRS
    iretq

// enter_user_sysret(const UserContext* rdi, uint64_t cr3 rsi): the context's
// rip is canonical (the kernel only ever stores user addresses there), so
// SYSRET cannot fault in ring 0. rcx and r11 come from rip and rflags.
    .global enter_user_sysret
enter_user_sysret:
    movq %cr3, %rax
    cmpq %rax, %rsi
    je 1f
    movq %rsi, %cr3
1:  movq %rdi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    addq $8, %rsp       // r11: replaced by rflags
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    addq $8, %rsp       // rcx: replaced by rip
    popq %rbx
    popq %rax
    popq %rcx           // rip
    addq $8, %rsp       // cs
    popq %r11           // rflags
    popq %rsp           // user rsp
    sysretq

    .bss
    .balign 16
    .global kernel_stack_top
kernel_stack:
    .skip KERNEL_STACK_SIZE
kernel_stack_top:
    .balign 8
user_rsp_scratch:
    .skip 8
    .global current_context_top
current_context_top:
    .skip 8

    .section .note.GNU-stack, "", @progbits
