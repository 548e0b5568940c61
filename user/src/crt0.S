// Start-up of a Septum user program: the kernel (or the program's creator)
// enters _start with rsp at the top of the stack and rdi holding the
// program's start argument (the BootInfo address for the root task).
    .text
    .global _start
_start:
    xor %ebp, %ebp
    andq $-16, %rsp
    call septum_start
1:  ud2                 // septum_start does not return
    jmp 1b

    .section .note.GNU-stack, "", @progbits
