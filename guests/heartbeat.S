// The heartbeat guest: a compute loop that writes a beat ('.') to the UART
// every 4 x 65,536 iterations (about half a million instructions, half a
// scheduler tick in Bochs); after 10 beats it writes a newline and stops
// through the debug-exit port with code 0x10. Its beats' spacing shows
// whether its cell got its CPU share.
    .code16
    .text
    .global _start
_start:
    mov $10, %bx            // beats to go
1:  mov $4, %di            // work per beat: 4 rounds ...
2:  xor %cx, %cx            // ... of 65,536 iterations
3:  add %cx, %ax            // the "computation"
    loop 3b
    dec %di
    jnz 2b
    mov $0x3f8, %dx
    mov $'.', %al
    out %al, %dx
    dec %bx
    jnz 1b
    mov $'\n', %al
    out %al, %dx
    mov $0xf4, %dx
    mov $0x10, %al
    out %al, %dx
4:  hlt
    jmp 4b

    .section .note.GNU-stack, "", @progbits
