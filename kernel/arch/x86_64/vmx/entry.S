// Entering a guest and coming back. vm_enter loads the guest registers the
// VMCS does not hold and executes VMLAUNCH or VMRESUME; it returns only if
// the instruction fails. An exit arrives at vm_exit_entry with HOST_RSP
// just past the VCPU's GuestGprs, so pushing the guest registers stores
// them there; then the kernel stack is taken and vmexit_dispatch, which
// does not return, is called with them.
#include "gprs.inc"

// Vcpu::cr2, just past the GuestGprs frame (vcpu.hpp, guest_cr2_offset).
#define GUEST_CR2 120

    .text
// bool vm_enter(const GuestGprs* rdi, bool launched sil): returns the
// failed instruction's RFLAGS (CF: VMfailInvalid, ZF: VMfailValid).
    .global vm_enter
vm_enter:
    movq GUEST_CR2(%rdi), %rax  // the guest's CR2 (Vcpu::cr2); RAX comes from the frame below
    movq %rax, %cr2
    movq %rdi, %rsp        // the GuestGprs frame; the kernel stack is not needed again
    testb %sil, %sil
    POP_GPRS
    jnz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  // Failure: flags say why. Back onto the kernel stack and report.
    movq $kernel_stack_top, %rsp
    pushfq
    popq %rdi
    call vmentry_failed
    ud2

    .global vm_exit_entry
vm_exit_entry:
    PUSH_GPRS
    movq %cr2, %rax        // saved before anything else can fault
    movq %rax, GUEST_CR2(%rsp)
    movq %rsp, %rdi
    movq $kernel_stack_top, %rsp
    cld
    call vmexit_dispatch
    ud2

    .section .note.GNU-stack, "", @progbits
