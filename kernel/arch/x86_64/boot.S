// Entry from a Multiboot2 loader (GRUB): 32-bit protected mode, paging off,
// EAX = Multiboot2 magic, EBX = physical address of the boot information.
// This code runs at its load address; it builds the boot page tables, enters
// long mode and jumps to the higher half.
#include "layout.h"

#define PHYS(sym) ((sym) - KERNEL_VIRT_BASE)

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_PS 0x80
#define PD_ENTRIES (512 * PHYSMAP_GIB)
#define COM1 0x3f8

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    .balign 8
    .short 0        // end tag
    .short 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    mov %eax, %esi
    rdtsc                                   // first instruction timestamp
    mov %eax, PHYS(boot_tsc)
    mov %edx, PHYS(boot_tsc) + 4
    mov %esi, PHYS(boot_magic)
    mov %ebx, PHYS(boot_info_phys)
    mov $PHYS(boot_stack_top), %esp

    // Long mode (CPUID 0x80000001 EDX[29]) is required.
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc no_long_mode
    mov %edx, %ebp                          // keep EDX[20] (NX) for EFER

    // Clear the PML4 and both PDPTs (the PDs are written in full below).
    cld
    xor %eax, %eax
    mov $PHYS(boot_pml4), %edi
    mov $(3 * 4096 / 4), %ecx
    rep stosl

    // boot_pd: PHYSMAP_GIB GiB of 2 MiB pages, physical 0 upward.
    mov $PHYS(boot_pd), %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_P | PTE_RW | PTE_PS), %eax
    mov %eax, (%edi, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax
    mov %eax, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $PD_ENTRIES, %ecx
    jb 1b

    // boot_pdpt_phys[i] -> boot_pd + i pages: the physmap and, during the
    // switch, the identity map.
    mov $PHYS(boot_pdpt_phys), %edi
    mov $(PHYS(boot_pd) + PTE_P + PTE_RW), %eax
    xor %ecx, %ecx
2:  mov %eax, (%edi, %ecx, 8)
    add $4096, %eax
    inc %ecx
    cmp $PHYSMAP_GIB, %ecx
    jb 2b

    // -2 GiB: boot_pdpt_high[510] -> the first GiB.
    movl $(PHYS(boot_pd) + PTE_P + PTE_RW), PHYS(boot_pdpt_high) + 510 * 8

    movl $(PHYS(boot_pdpt_phys) + PTE_P + PTE_RW), PHYS(boot_pml4)
    movl $(PHYS(boot_pdpt_phys) + PTE_P + PTE_RW), PHYS(boot_pml4) + 256 * 8
    movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_RW), PHYS(boot_pml4) + 511 * 8

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $PHYS(boot_pml4), %eax
    mov %eax, %cr3

    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    bt $20, %ebp
    jnc 3f
    or $EFER_NXE, %eax
3:  wrmsr

    mov %cr0, %eax
    or $(CR0_PE | CR0_WP | CR0_PG), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_entry

no_long_mode:
    mov $no_long_mode_msg, %esi
4:  lodsb
    test %al, %al
    jz 5f
    mov $COM1, %dx
    out %al, %dx
    jmp 4b
5:  hlt
    jmp 5b

    .code64
long_mode_entry:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $higher_half_entry, %rax
    jmp *%rax

    .section .boot.data, "a"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff                // 64-bit code
    .quad 0x00cf92000000ffff                // data
boot_gdt_ptr:
    .short boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
no_long_mode_msg:
    .asciz "FAIL boot.long-mode: this CPU has no long mode\nSEPTUM-TEST END\n"

    .text
higher_half_entry:
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp
    call kernel_main
6:  cli
    hlt
    jmp 6b

    .data
    .balign 8
    .global boot_tsc, boot_magic, boot_info_phys
boot_tsc:       .quad 0
boot_magic:     .long 0
boot_info_phys: .long 0

    .bss
    .balign 4096
    .global boot_pml4, boot_pd
boot_pml4:      .skip 4096
boot_pdpt_phys: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096 * PHYSMAP_GIB
    .balign 16
boot_stack:     .skip BOOT_STACK_SIZE
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
