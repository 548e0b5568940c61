#include "invocation.hpp"

namespace septum::kernel {

caps::Slot* lookup(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, Status& error) {
    auto r = caps::lookup_capability(k, caller.cspace(), caps::Address{raw_cptr, 64});
    if (!r.ok()) {
        error = r.status();
        return nullptr;
    }
    return r.value();
}

Status reap_pending(Kernel& k, Tcb& caller) {
    if (!k.authority.destruction_pending()) {
        return Status::ok;
    }
    caps::Budget budget{operation_budget};
    const Status s = k.authority.reap(budget);
    if (s == Status::preempted) {
        caller.context.rip -= syscall_instruction_length;
    }
    return s;
}

Status invoke(Kernel& k, Tcb& caller, caps::Slot& slot, const abi::MessageInfo& info) {
    const Arguments args(caller, info);
    const auto op = static_cast<abi::Invocation>(info.label);
    switch (slot.cap.kind) {
        case caps::ObjectKind::untyped:
            return invoke_untyped(k, caller, slot, op, args);
        case caps::ObjectKind::cnode:
            return invoke_cnode(k, caller, slot, op, args);
        case caps::ObjectKind::tcb:
            return invoke_tcb(k, caller, slot, op, args);
        case caps::ObjectKind::frame_4k:
        case caps::ObjectKind::frame_2m:
            return invoke_frame(k, caller, slot, op, args);
        case caps::ObjectKind::pdpt:
        case caps::ObjectKind::page_directory:
        case caps::ObjectKind::page_table:
        case caps::ObjectKind::ept_pdpt:
        case caps::ObjectKind::ept_pd:
        case caps::ObjectKind::ept_pt:
            return invoke_paging(k, caller, slot, op, args);
        case caps::ObjectKind::io_port_range:
            return invoke_io_port(k, caller, slot, op, args);
        case caps::ObjectKind::vcpu:
            return invoke_vcpu(k, caller, slot, op, args);
        case caps::ObjectKind::sched_context:
            return invoke_sched_context(k, caller, slot, op, args);
        case caps::ObjectKind::irq_handler:
            return invoke_irq(k, caller, slot, op, args);
        default:
            return Status::wrong_kind;  // no invocation on this kind (yet)
    }
}

}  // namespace septum::kernel
