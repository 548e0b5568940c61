// The triple-fault guest: an empty IDT, then an exception: the CPU cannot
// deliver it, nor the double fault, and shuts down. Its VMM resets it.
    .code16
    .text
    .global _start
_start:
    lidt empty_idt
    int3
1:  hlt
    jmp 1b
empty_idt:
    .word 0
    .long 0

    .section .note.GNU-stack, "", @progbits
