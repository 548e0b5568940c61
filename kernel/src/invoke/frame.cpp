#include "ept.hpp"
#include "invocation.hpp"
#include "vspace.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using caps::Rights;

// An address space to map into: a PML4 (a VSpace) or a GuestMemory (EPT).
caps::Slot* lookup_vspace(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr, Status& error) {
    caps::Slot* s = lookup(k, caller, raw_cptr, error);
    if (s != nullptr && s->cap.kind != ObjectKind::pml4 && s->cap.kind != ObjectKind::guest_memory) {
        error = Status::wrong_kind;
        return nullptr;
    }
    return s;
}

bool is_guest(const caps::Slot& space) { return space.cap.kind == ObjectKind::guest_memory; }

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
    const bool write = caps::is_subset(Rights::write, wanted), execute = caps::is_subset(Rights::execute, wanted);
    if (is_guest(*vspace)) {
        SEPTUM_TRY(arch::ept::map_frame(vspace->cap.object, a[1], frame.object, large, {true, write, execute}));
    } else {
        SEPTUM_TRY(arch::vspace::map_frame(vspace->cap.object, a[1], frame.object, large, {write, execute}));
    }
    k.record_mapping(frame, vspace->cap.object, a[1], is_guest(*vspace));
    return Status::ok;
}

// The EPT level a guest paging structure is mapped at (3: in the EPT PML4).
unsigned ept_level_of(ObjectKind kind) {
    switch (kind) {
        case ObjectKind::ept_pdpt:
            return 3;
        case ObjectKind::ept_pd:
            return 2;
        default:
            return 1;
    }
}

bool is_ept_kind(ObjectKind kind) {
    return kind == ObjectKind::ept_pdpt || kind == ObjectKind::ept_pd || kind == ObjectKind::ept_pt;
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
    // VSpace tables go into PML4s, EPT tables into GuestMemory, never across.
    if (is_guest(*vspace) != is_ept_kind(slot.cap.kind)) {
        return Status::wrong_kind;
    }
    if (is_guest(*vspace)) {
        SEPTUM_TRY(arch::ept::map_table(vspace->cap.object, a[1], ept_level_of(slot.cap.kind), slot.cap.object));
    } else {
        SEPTUM_TRY(arch::vspace::map_table(vspace->cap.object, a[1], level_of(slot.cap.kind), slot.cap.object));
    }
    k.record_mapping(slot.cap, vspace->cap.object, a[1], is_guest(*vspace));
    return Status::ok;
}

}  // namespace septum::kernel
