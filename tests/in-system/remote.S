// Code for threads in other address spaces. The section is copied page by
// page into fresh frames, mapped at the same addresses in the other
// address space (user.ld keeps it page-aligned), so it must reach nothing
// outside itself: no calls out, no data, registers only.
#include "asm_constants.h"

    .section .remote_text, "ax"

// remote_server(rdi = endpoint address in the thread's CSpace) serves
// forever with Recv, then ReplyRecv:
//   label REMOTE_LABEL_ECHO: reply (label ECHO, words: word 0 + 1, badge)
//   label REMOTE_LABEL_READ: reply (label READ, word: the 8 bytes at word 0)
    .global remote_server
remote_server:
    mov %rdi, %rbx
    mov $SYSCALL_RECV, %eax
    syscall
1:  mov %rsi, %rcx
    shr $MESSAGE_INFO_LABEL_SHIFT, %rcx
    cmp $REMOTE_LABEL_READ, %rcx
    je 2f
    inc %rdx
    mov %rdi, %r8
    mov $((REMOTE_LABEL_ECHO << MESSAGE_INFO_LABEL_SHIFT) | 2), %esi
    jmp 3f
2:  mov (%rdx), %rdx
    mov $((REMOTE_LABEL_READ << MESSAGE_INFO_LABEL_SHIFT) | 1), %esi
3:  mov %rbx, %rdi
    mov $SYSCALL_REPLY_RECV, %eax
    syscall
    jmp 1b

    .section .note.GNU-stack, "", @progbits
