// The triple-fault guest: says it is up, loads an empty IDT, then raises
// an exception: the CPU cannot deliver it, nor the double fault, and shuts
// down. Its VMM resets it (memory and CPU) as often as its cell allows, so
// each start prints the line again.
    .code16
    .text
    .global _start
_start:
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov $message, %si
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  lidt empty_idt
    int3
3:  hlt
    jmp 3b

message:
    .asciz "up\n"
empty_idt:
    .word 0
    .long 0

    .section .note.GNU-stack, "", @progbits
