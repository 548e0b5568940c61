// The Multiboot guest: an ELF32 kernel with a Multiboot v1 header, loaded
// by its VMM at 0x10000 and entered in 32-bit protected mode as the
// Multiboot specification says. It checks the boot magic in EAX, then
// prints "multiboot: " and the command line the information structure
// (EBX) points at, and stops through the debug-exit port with code 0x12
// (0x13 if the magic or the command-line flag was wrong).
#include "multiboot.inc"
    .code32
    .text
    .global _start
    multiboot_header

_start:
    mov $0x8000, %esp
    cmp $0x2badb002, %eax
    jne 3f
    testl $4, (%ebx)            // flags: a command line is there
    jz 3f
    mov $prefix, %esi
    call print
    mov 16(%ebx), %esi          // the command line
    call print
    mov $'\n', %al
    mov $0x3f8, %dx
    outb %al, %dx
    mov $0x12, %al
    jmp 4f
3:  mov $0x13, %al
4:  mov $0xf4, %dx
    outb %al, %dx
5:  hlt
    jmp 5b

    uart_print

prefix:
    .asciz "multiboot: "

    .section .note.GNU-stack, "", @progbits
