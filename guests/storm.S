// The exit-storm guest: CPUID forever, so that every instruction it runs
// is a VM exit for its VMM. It never stops; its cell's budget bounds it.
    .code16
    .text
    .global _start
_start:
1:  cpuid
    jmp 1b

    .section .note.GNU-stack, "", @progbits
