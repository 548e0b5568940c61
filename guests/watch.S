// The watch guest: the share guest's measure (guests/share_measure.inc)
// over and over, so that a long test can show a cell got its share of the
// CPU throughout. Each round measures 2^WATCH_ROUND_SHIFT windows of
// 2^SHARE_WINDOW_SHIFT ticks (guests/share.h; the test makes its cell's
// period one window long) and prints
//     "share SSS worst WWW gaps GGG\n".
// After each round it looks at its UART: a byte of input (the operator or
// the test types one once it has seen enough) makes it stop through the
// debug-exit port with code WATCH_EXIT_CODE. It reads the UART once a
// round, so the exit costs nothing measurable.
#include "real_mode.inc"
#include "share.h"
#include "share_measure.inc"

    .code16
    .text
    .global _start
_start:
    flat_start
1:  mov $(SHARE_WINDOW_SHIFT + WATCH_ROUND_SHIFT), %cl
    call measure
    mov $0x3fd, %dx             // line status: bit 0, data ready
    inb %dx, %al
    test $1, %al
    jz 1b
    mov $0x3f8, %dx
    inb %dx, %al                // take the byte
    mov $0xf4, %dx
    mov $WATCH_EXIT_CODE, %al
    outb %al, %dx
2:  hlt
    jmp 2b

    uart_routines
    share_routines

    .section .note.GNU-stack, "", @progbits
