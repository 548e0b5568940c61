// First instructions of a thread made by Thread::start: rdi holds the
// argument, rsi the function; rsp is the top of the thread's stack.
    .text
    .global septum_thread_entry
septum_thread_entry:
    xor %ebp, %ebp
    andq $-16, %rsp
    call *%rsi
    call septum_thread_exit
1:  ud2
    jmp 1b

    .section .note.GNU-stack, "", @progbits
