// The hello guest: 16-bit real mode, loaded at 0x1000 in guest memory.
// Prints a line through the UART at 0x3f8, then ends the run through the
// debug-exit port (0xf4) with code 0x2a.
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start
    mov $message, %si
    call print
    mov $0xf4, %dx
    mov $0x2a, %al
    out %al, %dx
1:  hlt
    jmp 1b

    uart_routines

message:
    .asciz "hello from the guest\n"

    .section .note.GNU-stack, "", @progbits
