// What the kernel does at a VCPU's exit, once the backend has sorted it
// (kernel::VcpuExit). Generic code, kept in a header so that it is inlined
// into the backend's exit path (vmx/run.cpp): an exit round trip is the
// hot path of every guest, and a call here cost a twentieth of it.
#pragma once

#include "invocation.hpp"
#include "kernel.hpp"
#include "object/vcpu.hpp"

namespace septum::kernel {

// On the kernel stack, after the backend sorted the exit. Sets the result
// of the VMM thread's run: for a delivered exit its state page and status
// (the thread carries on at once: true), for a kept one a restart of its
// run (the thread goes through the scheduler: false). The backend then
// leaves the kernel that way.
inline bool vcpu_exited(VcpuExit exit) {
    Kernel& k = kernel;
    Vcpu& v = vcpu_at(running_vcpu);
    Tcb& t = *k.current;
    running_vcpu = 0;
    // The guest's timer ran out at the VMM's own deadline (it may be the
    // scheduler's too): delivered, as exit_reason_deadline.
    const bool vmm_deadline =
        exit.kind == VcpuExit::Kind::deadline && v.deadline != 0 && arch::clock::now() >= v.deadline;
    if (exit.kind != VcpuExit::Kind::delivered && !vmm_deadline) {
        // Kept by the kernel: the interrupt is the host's (its handler has
        // run), or the guest has had its time slice. The VMM's run starts
        // again when it is next scheduled.
        if (exit.kind == VcpuExit::Kind::timer || exit.kind == VcpuExit::Kind::deadline) {
            k.handle_time_event();
        }
        t.context.rip -= syscall_instruction_length;
        v.restart = true;
        return false;
    }
    if (vmm_deadline) {
        k.handle_time_event();  // the scheduler's deadline may have come too
    }
    abi::VcpuPage& page = state_page(v);
    arch::virt::store_exit(page.exit);
    if (vmm_deadline) {
        page.exit.reason = abi::exit_reason_deadline;
    }
    // The page is the VMM's: the table entry is read once, as a mask.
    const std::uint64_t by_reason =
        exit.basic_reason < abi::want_table_size
            ? *static_cast<volatile const std::uint16_t*>(&page.want_by_reason[exit.basic_reason])
            : 0;
    arch::virt::store(v.arch, page.state, (v.want_mask | by_reason) & abi::vcpu_state::all);
    set_message_info(t, abi::MessageInfo{});
    set_status(t, Status::ok);
    // Nothing became ready while the guest ran (interrupts come as kept
    // exits, above): the VMM thread carries on at once, unless the time
    // event of a deadline changed that.
    return !vmm_deadline;
}

}  // namespace septum::kernel
