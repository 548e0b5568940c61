// Kernel virtual memory layout. Included by assembly, the linker script
// (through the C preprocessor) and C++ (through layout.hpp), so each address
// is written down exactly once.
#pragma once

// The kernel image is linked in the top 2 GiB (-mcmodel=kernel) and loaded
// by GRUB at KERNEL_LOAD_PHYS; virtual = physical + KERNEL_VIRT_BASE.
#define KERNEL_VIRT_BASE 0xffffffff80000000
#define KERNEL_LOAD_PHYS 0x100000

// Direct map of the first PHYSMAP_SIZE bytes of physical memory, used for
// boot information, device registers and, later, kernel objects.
#define PHYSMAP_BASE 0xffff800000000000
#define PHYSMAP_GIB 4

// Boot and interrupt stacks.
#define BOOT_STACK_SIZE 16384
#define IST_STACK_SIZE 8192
#define KERNEL_STACK_SIZE 16384
