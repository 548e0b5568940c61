// The share guest: measures the share of the CPU its cell gets, with its
// own TSC (RDTSC does not exit). It reads the TSC in a tight loop: the
// difference between two reads below SHARE_GAP_TICKS is time it ran, a
// larger one time it was off the CPU. From its first read it measures
// 2^SHARE_WINDOWS_SHIFT windows of 2^SHARE_WINDOW_SHIFT ticks back to back
// (guests/share.h; the test makes its cell's period one window long),
// then prints
//     "share SSS worst WWW gaps GGG\n"
// in decimal: SSS the per-mille of the whole time it ran, WWW the least
// per-mille of a single window, GGG how often it was off the CPU. Then it
// stops through the debug-exit port with code SHARE_EXIT_CODE.
#include "real_mode.inc"
#include "share.h"

#define WINDOW (1 << SHARE_WINDOW_SHIFT)
#define ALL_WINDOWS (1 << (SHARE_WINDOW_SHIFT + SHARE_WINDOWS_SHIFT))

    .code16
    .text
    .global _start
_start:
    flat_start
    rdtsc
    mov %eax, start
    mov %eax, %esi              // esi: the previous read (low half: no gap spans 2^32 ticks)
    xor %edi, %edi              // edi: ticks run, in all
    xor %ebp, %ebp              // ebp: ticks run before the current window
1:  rdtsc
    mov %eax, %ecx
    sub %esi, %ecx              // ticks since the previous read
    mov %eax, %esi
    cmp $SHARE_GAP_TICKS, %ecx
    jae 2f
    add %ecx, %edi              // it ran
    jmp 3f
2:  incl gaps                   // it was off the CPU
3:  sub start, %eax             // ticks since the start
4:  cmp boundary, %eax
    jb 1b
    mov %edi, %ecx              // a window ended: what it ran in it
    sub %ebp, %ecx
    mov %edi, %ebp
    cmp worst, %ecx
    jae 5f
    mov %ecx, worst
5:  addl $WINDOW, boundary
    cmpl $ALL_WINDOWS, boundary
    jbe 4b                      // one gap may have spanned several windows

    mov $share_text, %si
    call print
    mov %edi, %eax
    mov $(SHARE_WINDOW_SHIFT + SHARE_WINDOWS_SHIFT), %cl
    call print_per_mille
    mov $worst_text, %si
    call print
    mov worst, %eax
    mov $SHARE_WINDOW_SHIFT, %cl
    call print_per_mille
    mov $gaps_text, %si
    call print
    mov gaps, %eax
    call print_decimal
    mov $'\n', %al
    outb %al, %dx
    mov $0xf4, %dx
    mov $SHARE_EXIT_CODE, %al
    outb %al, %dx
6:  hlt
    jmp 6b

// Prints eax * 1000 / 2^cl in decimal (eax at most a little above 2^cl).
print_per_mille:
    mov $1000, %edx
    mul %edx
    shrd %cl, %edx, %eax
    // fall through

// Prints eax in decimal.
print_decimal:
    mov $10, %ecx
    xor %bx, %bx                // digits pushed
7:  xor %edx, %edx
    div %ecx
    push %dx
    inc %bx
    test %eax, %eax
    jnz 7b
    mov $0x3f8, %dx
8:  pop %ax
    add $'0', %al
    outb %al, %dx
    dec %bx
    jnz 8b
    ret

    uart_routines

    .balign 4
start:
    .long 0
boundary:                       // ticks since the start at which the current window ends
    .long WINDOW
worst:                          // the least any window ran
    .long 0xffffffff
gaps:
    .long 0
share_text:
    .asciz "share "
worst_text:
    .asciz " worst "
gaps_text:
    .asciz " gaps "

    .section .note.GNU-stack, "", @progbits
