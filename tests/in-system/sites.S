// Instructions the fault tests provoke, each with a label on the faulting
// instruction and one where a handler may resume the thread, so that the
// tests can compare the rip a fault message reports with the exact site.
#include "asm_constants.h"

    .text

// probe_read(address): the word at address, or PROBE_SENTINEL when a fault
// handler resumed the thread at probe_read_done.
    .global probe_read, probe_read_insn, probe_read_done
probe_read:
    movabs $PROBE_SENTINEL, %rax
probe_read_insn:
    mov (%rdi), %rax
probe_read_done:
    ret

// probe_write(address, value)
    .global probe_write, probe_write_insn, probe_write_done
probe_write:
probe_write_insn:
    mov %rsi, (%rdi)
probe_write_done:
    ret

// fault_ud2(): an invalid opcode; a handler resumes at fault_ud2_done.
    .global fault_ud2, fault_ud2_done
fault_ud2:
    ud2
fault_ud2_done:
    ret

// probe_exec(address): calls code at address; a handler that refuses the
// fetch resumes at probe_exec_fixup, which drops the return address the
// call pushed and returns to probe_exec's caller.
    .global probe_exec, probe_exec_fixup
probe_exec:
    call *%rdi
    ret
probe_exec_fixup:
    add $8, %rsp
    ret

    .section .note.GNU-stack, "", @progbits
