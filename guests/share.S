// The share guest: measures the share of the CPU its cell gets, with its
// own TSC (guests/share_measure.inc), over 2^SHARE_WINDOWS_SHIFT windows
// of 2^SHARE_WINDOW_SHIFT ticks from its start (guests/share.h; the test
// makes its cell's period one window long), prints
//     "share SSS worst WWW gaps GGG\n"
// and stops through the debug-exit port with code SHARE_EXIT_CODE.
#include "real_mode.inc"
#include "share.h"
#include "share_measure.inc"

    .code16
    .text
    .global _start
_start:
    flat_start
    mov $(SHARE_WINDOW_SHIFT + SHARE_WINDOWS_SHIFT), %cl
    call measure
    mov $0xf4, %dx
    mov $SHARE_EXIT_CODE, %al
    outb %al, %dx
1:  hlt
    jmp 1b

    uart_routines
    share_routines

    .section .note.GNU-stack, "", @progbits
