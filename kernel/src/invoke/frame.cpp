#include "invocation.hpp"
#include "vspace.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using caps::Rights;

caps::Slot* lookup_vspace(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, Status& error) {
    caps::Slot* s = lookup(k, caller, raw_cptr, error);
    if (s != nullptr && s->cap.kind != ObjectKind::pml4) {
        error = Status::wrong_kind;
        return nullptr;
    }
    return s;
}

Status map_frame(Kernel& k, const Tcb& caller, caps::Capability& frame, const Arguments& a) {
    if (!a.has(3)) {
        return Status::invalid_argument;
    }
    Status error = Status::ok;
    const caps::Slot* vspace = lookup_vspace(k, caller, a[0], error);
    if (vspace == nullptr) {
        return error;
    }
    const std::uint64_t raw_rights = a[2];
    if (!caps::valid_raw_rights(raw_rights)) {
        return Status::invalid_argument;
    }
    // The mapping may carry no right the capability lacks, and must be readable.
    const auto wanted = static_cast<Rights>(raw_rights) | Rights::read;
    if (!caps::is_subset(wanted, frame.rights)) {
        return Status::insufficient_rights;
    }
    if (k.mapping_alive(frame)) {
        return Status::slot_occupied;  // a capability maps its frame in one place at a time
    }
    if (!k.address_spaces.covers(vspace->cap.object)) {
        return Status::out_of_range;  // an address space the kernel cannot track
    }
    const bool large = frame.kind == ObjectKind::frame_2m;
    const arch::vspace::FrameRights fr{caps::is_subset(Rights::write, wanted),
                                       caps::is_subset(Rights::execute, wanted)};
    SEPTUM_TRY(arch::vspace::map_frame(vspace->cap.object, a[1], frame.object, large, fr));
    k.record_mapping(frame, vspace->cap.object, a[1]);
    return Status::ok;
}

arch::vspace::Level level_of(ObjectKind kind) {
    switch (kind) {
        case ObjectKind::pdpt:
            return arch::vspace::Level::pdpt;
        case ObjectKind::page_directory:
            return arch::vspace::Level::page_directory;
        default:
            return arch::vspace::Level::page_table;
    }
}

}  // namespace

Status invoke_frame(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    switch (op) {
        case abi::Invocation::frame_map:
            return map_frame(k, caller, slot.cap, a);
        case abi::Invocation::frame_unmap:
            k.unmap(slot.cap);
            return Status::ok;
        default:
            return Status::invalid_argument;
    }
}

Status invoke_paging(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    if (op != abi::Invocation::page_table_map || !a.has(2)) {
        return Status::invalid_argument;
    }
    Status error = Status::ok;
    const caps::Slot* vspace = lookup_vspace(k, caller, a[0], error);
    if (vspace == nullptr) {
        return error;
    }
    if (k.mapping_alive(slot.cap)) {
        return Status::slot_occupied;
    }
    if (!k.address_spaces.covers(vspace->cap.object)) {
        return Status::out_of_range;
    }
    const arch::vspace::Level level = level_of(slot.cap.kind);
    SEPTUM_TRY(arch::vspace::map_table(vspace->cap.object, a[1], level, slot.cap.object));
    k.record_mapping(slot.cap, vspace->cap.object, a[1]);
    return Status::ok;
}

}  // namespace septum::kernel
