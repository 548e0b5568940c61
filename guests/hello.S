// The hello guest: 16-bit real mode, loaded at 0x1000 in guest memory.
// Prints a line through the UART at 0x3f8, then ends the run through the
// debug-exit port (0xf4) with code 0x2a.
    .code16
    .text
    .global _start
_start:
    cld
    xor %ax, %ax
    mov %ax, %ds
    mov $message, %si
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
2:  mov $0xf4, %dx
    mov $0x2a, %al
    out %al, %dx
3:  hlt
    jmp 3b

message:
    .asciz "hello from the guest\n"

    .section .note.GNU-stack, "", @progbits
