// The heartbeat guest: a compute loop that writes a beat ('.') to the UART
// every 20,000 iterations; after 10 beats it writes a newline and stops
// through the debug-exit port with code 0x10.
    .code16
    .text
    .global _start
_start:
    mov $10, %bx            // beats to go
1:  mov $20000, %cx         // work per beat
2:  add %cx, %ax            // the "computation"
    loop 2b
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
3:  hlt
    jmp 3b

    .section .note.GNU-stack, "", @progbits
