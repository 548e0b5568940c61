// The triple-fault guest: says it is up, loads an empty IDT, then raises
// an exception: the CPU cannot deliver it, nor the double fault, and shuts
// down. Its VMM resets it (memory and CPU) as often as its cell allows, so
// each start prints the line again.
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start
    mov $message, %si
    call print
    lidt empty_idt
    int3
1:  hlt
    jmp 1b

    uart_routines

message:
    .asciz "up\n"
empty_idt:
    .word 0
    .long 0

    .section .note.GNU-stack, "", @progbits
