// The RAM check guest: a Multiboot ELF32 kernel for a cell of 256 MiB or
// more, entered in 32-bit protected mode without paging (guest-physical
// addresses). It checks that its RAM is one memory, the same as its VMM's
// view of it, up to the size the Multiboot information gives:
//   1. the three signatures its VMM loaded as segments of this image (at
//      the 2 MiB and 128 MiB boundaries, straddling them, and in the last
//      16 bytes below 256 MiB) read back as they are in the file;
//   2. one dword in every page from 128 KiB to the end of RAM, each a value
//      of its own, all written and then all read back (two pages that were
//      one frame, or a frame missing, would show);
// prints "ram XXXXXXXX: YYYYYYYY pages, signatures ok" (hex: the RAM size
// and the pages checked), then writes the byte just past its RAM, which
// its VMM must refuse: it stops the guest there (code: that address).
// Anything wrong stops it through the debug-exit port with code 0x15.
#include "multiboot.inc"
    .code32
    .text
    .global _start
    multiboot_header

    .set sweep_start, 0x20000   // above the information, stack and code
    .set sweep_offset, 0x800    // in each page, clear of the signatures
    .set tag, 0xa5a5a5a5        // so that zeroed memory never passes

_start:
    mov $0x8000, %esp
    cmp $0x2badb002, %eax
    jne fail
    testl $1, (%ebx)            // flags: mem_lower and mem_upper are there
    jz fail
    mov 8(%ebx), %ebp           // mem_upper: KiB above 1 MiB
    shl $10, %ebp
    add $0x100000, %ebp         // EBP: the end of RAM
    cmp $0x10000000, %ebp
    jb fail                     // the signatures need 256 MiB

    mov $signatures, %esi       // 1: what the VMM loaded, byte for byte
1:  mov (%esi), %edi            // where a signature is
    test %edi, %edi
    jz 3f
    mov 4(%esi), %ecx           // and what it should be
    mov $4, %edx
2:  mov (%edi), %eax
    cmp (%ecx), %eax
    jne fail
    add $4, %edi
    add $4, %ecx
    dec %edx
    jnz 2b
    add $8, %esi
    jmp 1b

3:  mov $sweep_start + sweep_offset, %edi   // 2: write every page ...
4:  mov %edi, %eax
    xor $tag, %eax
    mov %eax, (%edi)
    add $0x1000, %edi
    cmp %ebp, %edi
    jb 4b
    mov $sweep_start + sweep_offset, %edi   // ... then read them all back
    xor %ebx, %ebx              // EBX: pages checked
5:  mov %edi, %eax
    xor $tag, %eax
    cmp %eax, (%edi)
    jne fail
    inc %ebx
    add $0x1000, %edi
    cmp %ebp, %edi
    jb 5b

    mov $ram_text, %esi
    call print
    mov %ebp, %eax
    call print_hex
    mov $pages_text, %esi
    call print
    mov %ebx, %eax
    call print_hex
    mov $ok_text, %esi
    call print
    movb $0x55, (%ebp)          // past the end of RAM: the VMM stops the guest
fail:
    mov $0x15, %al
    mov $0xf4, %dx
    outb %al, %dx
6:  hlt
    jmp 6b

    uart_print

print_hex:                      // EAX as eight hex digits
    mov $0x3f8, %dx
    mov $8, %ecx
    mov %eax, %edi
1:  rol $4, %edi
    mov %edi, %eax
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '9' - 1), %al
2:  outb %al, %dx
    loop 1b
    ret

ram_text:
    .asciz "ram "
pages_text:
    .asciz ": "
ok_text:
    .asciz " pages, signatures ok\n"

// Where each signature is loaded and the bytes it must hold there.
    .balign 4
signatures:
    .long 0x200000 - 8, expected_2mib
    .long 0x8000000 - 8, expected_128mib
    .long 0x10000000 - 16, expected_last
    .long 0
expected_2mib:
    .ascii "septum-2 MiB ok!"
expected_128mib:
    .ascii "septum 128 MiB !"
expected_last:
    .ascii "septum last 16 B"

// The same bytes, loaded by the VMM at those addresses (meson.build puts
// each section there).
    .section .sig_2mib, "a"
    .ascii "septum-2 MiB ok!"
    .section .sig_128mib, "a"
    .ascii "septum 128 MiB !"
    .section .sig_last, "a"
    .ascii "septum last 16 B"

    .section .note.GNU-stack, "", @progbits
