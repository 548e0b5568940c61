// The console-flood guest: writes a 64-byte line to its UART over and over,
// as fast as its exits go, and never stops; its cell's budget bounds it.
// Each byte is an exit for its VMM and a signal to the root task's console
// monitor, which must not spend another cell's time on it.
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start
1:  mov $line, %si
    call print
    jmp 1b

    uart_routines

line:
    .asciz "flood: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST\n"

    .section .note.GNU-stack, "", @progbits
