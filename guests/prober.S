// The prober guest: touches every I/O port and every MSR of the three
// ranges CPUs define (0-0x1fff, 0x40000000-0x400000ff, 0xc0000000-0xc0001fff).
// It reads every port, writes zero to every port but its debug-exit port
// (0xf4-0xf7) and its UART, reads every MSR and writes back what it read. Its VMM must
// answer each access - an unclaimed port reads all ones and drops writes,
// an MSR outside the allow list raises #GP, which the guest's handler
// counts and steps over - and must neither stop nor crash. At the end it
// prints "probed, #GP NNNN\n" (the count, hex) and stops through the
// debug-exit port with code 0x11. Last it tries to set CR4.MCE, which the
// CPUID policy hides: the VMM must refuse it with #GP (counted too); if
// the bit sticks, the exit code is 0x12.
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start
    movw $gp_handler, 13 * 4    // the real-mode IVT: #GP -> gp_handler
    movw $0, 13 * 4 + 2

    xor %dx, %dx                // every port, read
1:  inb %dx, %al
    inc %dx
    jnz 1b

2:  mov %dx, %ax                // every port but debug exit and UART, written
    and $0xfffc, %ax
    cmp $0xf4, %ax              // the debug-exit port's four bytes
    je 3f
    and $0xfff8, %ax
    cmp $0x3f8, %ax
    je 3f
    xor %al, %al
    outb %al, %dx
3:  inc %dx
    jnz 2b

    mov $ranges, %si            // every MSR of each range: read, write back
4:  mov (%si), %ecx
    mov 4(%si), %bx
    test %bx, %bx
    jz 6f
5:  xor %eax, %eax
    xor %edx, %edx
    rdmsr                       // a #GP skips it: eax:edx stay 0
    wrmsr
    inc %ecx
    dec %bx
    jnz 5b
    add $8, %si
    jmp 4b

6:  movw $gp_cr4_handler, 13 * 4  // CR4.MCE: hidden, so refused
    mov %cr4, %eax
    or $0x40, %eax
    mov %eax, %cr4
    mov %cr4, %eax
    movw $gp_handler, 13 * 4
    test $0x40, %eax
    jz 8f
    movb $0x12, exit_code
8:  mov $message, %si           // the report
    call print
    mov faults, %bx
    mov $4, %cx
    call print_hex
    mov $'\n', %al
    outb %al, %dx
    mov $0xf4, %dx
    mov exit_code, %al
    outb %al, %dx
7:  hlt
    jmp 7b

    uart_routines

// #GP: count it and return past the two-byte RDMSR or WRMSR.
gp_handler:
    push %bp
    mov %sp, %bp
    addw $2, 2(%bp)
    incw faults
    pop %bp
    iret

// #GP of the three-byte MOV to CR4.
gp_cr4_handler:
    push %bp
    mov %sp, %bp
    addw $3, 2(%bp)
    incw faults
    pop %bp
    iret

    .balign 4
ranges:                         // base, count
    .long 0x00000000
    .word 0x2000, 0
    .long 0x40000000
    .word 0x100, 0
    .long 0xc0000000
    .word 0x2000, 0
    .long 0
    .word 0, 0
faults:
    .word 0
exit_code:
    .byte 0x11
message:
    .asciz "probed, #GP "

    .section .note.GNU-stack, "", @progbits
