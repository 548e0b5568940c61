// The echo guest: console input, end to end. It says it is ready, then
// reads its UART (polling the line status) and writes back each byte it
// receives, counting them. A few bytes are commands:
//   '['  it first computes for a while (2^26 iterations: seconds of
//        Bochs' time), reading nothing, so that what is typed next fills
//        its cell's input ring and must wait; then bytes up to the next
//        ']' are counted and summed, not written back, and it writes
//        "burst <count> bytes, sum <sum>" (hex, 16 bits each): a burst
//        larger than the cell's input ring shows whether any byte was lost;
//   '*'  it floods its console with lines until the next byte arrives (a
//        noisy neighbour for another cell), then goes on with that byte;
//   '~'  it writes "echo: <count> bytes in" (every byte it received, the
//        '~' too) and stops through the debug-exit port with the count's
//        low byte as its code (which its cell's report shows even when a
//        flood of its own made the console drop the line).
#include "real_mode.inc"
    .code16
    .text
    .global _start
_start:
    flat_start
    xor %di, %di                // bytes received
    mov $ready, %si
    call print
next:
    call receive
dispatch:
    cmp $'[', %al
    je burst
    cmp $'*', %al
    je flood
    cmp $'~', %al
    je finish
    mov $0x3f8, %dx             // anything else: written back
    outb %al, %dx
    jmp next

// Counts and sums bytes up to ']' (which is neither).
burst:
    mov $0x400, %bx             // 1024 rounds ...
5:  xor %cx, %cx                // ... of 65,536 iterations
6:  loop 6b
    dec %bx
    jnz 5b
    xor %bp, %bp                // count
    xor %bx, %bx                // sum
1:  call receive
    cmp $']', %al
    je 2f
    inc %bp
    movzx %al, %ax
    add %ax, %bx
    jmp 1b
2:  mov $burst_line, %si
    call print
    push %bx
    movzx %bp, %ebx
    mov $4, %cx
    call print_hex
    mov $burst_sum, %si
    call print
    pop %bx
    movzx %bx, %ebx
    mov $4, %cx
    call print_hex
    mov $newline, %si
    call print
    jmp next

// Lines until a byte arrives; that byte is then handled as any other.
flood:
    mov $flood_line, %si
    call print
    mov $0x3fd, %dx
    inb %dx, %al
    test $1, %al
    jz flood
    call receive
    jmp dispatch

finish:
    mov $done_line, %si
    call print
    movzx %di, %ebx
    mov $4, %cx
    call print_hex
    mov $done_rest, %si
    call print
    mov $0xf4, %dx
    mov %di, %ax
    outb %al, %dx
3:  hlt
    jmp 3b

// receive waits for a byte and returns it in AL, counted in DI (uses DX).
receive:
    mov $0x3fd, %dx             // line status: bit 0, data ready
4:  inb %dx, %al
    test $1, %al
    jz 4b
    mov $0x3f8, %dx
    inb %dx, %al
    inc %di
    ret

    uart_routines

ready:
    .asciz "echo ready\n"
burst_line:
    .asciz "burst "
burst_sum:
    .asciz " bytes, sum "
newline:
    .asciz "\n"
flood_line:
    .asciz "flood: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS\n"
done_line:
    .asciz "echo: "
done_rest:
    .asciz " bytes in\n"

    .section .note.GNU-stack, "", @progbits
