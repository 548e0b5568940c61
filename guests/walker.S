// The walker guest: writes past the end of its memory (64 KiB of RAM; it
// writes at 128 KiB). Its VMM must stop it (an access to neither RAM nor
// a device), and nothing of any other cell may notice.
    .code16
    .text
    .global _start
_start:
    mov $0x2000, %ax
    mov %ax, %es
    movb $0x55, %es:0       // guest-physical 0x20000: beyond RAM
1:  hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
