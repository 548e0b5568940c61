// The exit benchmark guest: times 1,000 CPUID exits and 1,000 OUT exits to
// an unclaimed port (0x80), each a round trip through the kernel and its
// VMM server's real handlers, with RDTSC (in Bochs with clock: sync=none a
// TSC tick is an instruction). Prints "cpuid XXXXXXXX io XXXXXXXX\n", the
// average ticks per iteration in hex (the loop's own two instructions
// included), then stops through the debug-exit port with code 0x14.
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start

    mov $10, %bp                // warm up
1:  xor %eax, %eax
    cpuid
    dec %bp
    jnz 1b

    rdtsc
    mov %eax, start
    mov $1000, %bp
2:  xor %eax, %eax
    cpuid
    dec %bp
    jnz 2b
    call per_iteration
    mov %eax, cpuid_ticks

    mov $0x80, %dx
    rdtsc
    mov %eax, start
    mov $1000, %bp
3:  outb %al, %dx
    dec %bp
    jnz 3b
    call per_iteration
    mov %eax, io_ticks

    mov $cpuid_text, %si
    call print
    mov cpuid_ticks, %ebx
    mov $8, %cx
    call print_hex
    mov $io_text, %si
    call print
    mov io_ticks, %ebx
    mov $8, %cx
    call print_hex
    mov $'\n', %al
    mov $0x3f8, %dx
    outb %al, %dx
    mov $0xf4, %dx
    mov $0x14, %al
    outb %al, %dx
4:  hlt
    jmp 4b

// eax = (TSC now - start) / 1000
per_iteration:
    rdtsc
    sub start, %eax
    xor %edx, %edx
    mov $1000, %ecx
    div %ecx
    ret

    uart_routines

    .balign 4
start:
    .long 0
cpuid_ticks:
    .long 0
io_ticks:
    .long 0
cpuid_text:
    .asciz "cpuid "
io_text:
    .asciz " io "

    .section .note.GNU-stack, "", @progbits
