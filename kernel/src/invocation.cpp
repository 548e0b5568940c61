#include "invocation.hpp"

namespace septum::kernel {

Result<caps::Slot*> caller_capability(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr) {
    return caps::lookup_capability(k, caller.cspace(), caps::Address{raw_cptr, 64});
}

Result<caps::Slot*> extra_capability(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, caps::ObjectKind kind,
                                     caps::Rights rights) {
    const Result<caps::Slot*> found = caller_capability(k, caller, raw_cptr);
    SEPTUM_TRY(found);
    const caps::Capability& c = found.value()->cap;
    if (c.kind != kind) {
        return Status::wrong_kind;
    }
    if (!caps::is_subset(rights, c.rights)) {
        return Status::insufficient_rights;
    }
    return found;
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
            return untyped_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::cnode:
            return cnode_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::tcb:
            return tcb_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::frame_4k:
        case caps::ObjectKind::frame_2m:
            return frame_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::pdpt:
        case caps::ObjectKind::page_directory:
        case caps::ObjectKind::page_table:
        case caps::ObjectKind::ept_pdpt:
        case caps::ObjectKind::ept_pd:
        case caps::ObjectKind::ept_pt:
            return paging_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::io_port_range:
            return io_port_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::vcpu:
            return vcpu_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::sched_context:
            return sched_context_invocation(k, caller, slot, op, args);
        case caps::ObjectKind::irq_handler:
            return irq_invocation(k, caller, slot, op, args);
        default:
            return Status::wrong_kind;  // no invocation on this kind (yet)
    }
}

}  // namespace septum::kernel
