// Frame and paging-structure invocations: mapping into an address space,
// a VSpace (x86 page tables, arch/x86_64/vspace) or a GuestMemory (the
// second-level tables, object/guest_memory). Decoding checks everything and
// finds the free entry; mapping then only installs and records.
#include "invocation.hpp"
#include "object/guest_memory.hpp"
#include "vspace.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;
using caps::Rights;

// A map, decoded: the entry it takes in which address space.
struct Map {
    std::uint64_t* entry;
    std::uint64_t root;  // the PML4 or GuestMemory
    std::uint64_t address;
    bool guest;  // root is a GuestMemory
};

// What a frame mapping allows besides reading.
struct FrameAccess {
    bool write, execute;
};

bool is_guest(const caps::Slot& space) { return space.cap.kind == ObjectKind::guest_memory; }

// The address space named by a raw address: a PML4 (a VSpace) or a
// GuestMemory.
Result<const caps::Slot*> decode_target(Kernel& k, const Tcb& caller, std::uint64_t raw_cptr) {
    const Result<caps::Slot*> space = caller_capability(k, caller, raw_cptr);
    SEPTUM_TRY(space);
    const ObjectKind kind = space.value()->cap.kind;
    if (kind != ObjectKind::pml4 && kind != ObjectKind::guest_memory) {
        return Status::wrong_kind;
    }
    return space.value();
}

// The rights a frame mapping asks for: valid bits, at most the frame
// capability's, and always read.
Result<FrameAccess> decode_frame_rights(std::uint64_t raw_rights, const caps::Capability& frame) {
    if (!caps::valid_raw_rights(raw_rights)) {
        return Status::invalid_argument;
    }
    // The mapping may carry no right the capability lacks, and must be readable.
    const auto wanted = static_cast<Rights>(raw_rights) | Rights::read;
    if (!caps::is_subset(wanted, frame.rights)) {
        return Status::insufficient_rights;
    }
    return FrameAccess{caps::is_subset(Rights::write, wanted), caps::is_subset(Rights::execute, wanted)};
}

// The checks every map makes of the mapped capability and its target.
Status check_mappable(const Kernel& k, const caps::Capability& mapped, const caps::Slot& space) {
    if (k.mapping_alive(mapped)) {
        return Status::slot_occupied;  // a capability maps its object in one place at a time
    }
    if (!k.address_spaces.covers(space.cap.object)) {
        return Status::out_of_range;  // an address space the kernel cannot track
    }
    return Status::ok;
}

struct FrameMap {
    Map map;
    FrameAccess access;
};

Result<FrameMap> decode_frame_map(Kernel& k, const Tcb& caller, const caps::Capability& frame, const Arguments& a) {
    if (!a.has(3)) {
        return Status::invalid_argument;
    }
    const Result<const caps::Slot*> space = decode_target(k, caller, a.raw(0));
    SEPTUM_TRY(space);
    const Result<FrameAccess> access = decode_frame_rights(a.raw(2), frame);
    SEPTUM_TRY(access);
    SEPTUM_TRY(check_mappable(k, frame, *space.value()));
    const std::uint64_t root = space.value()->cap.object, address = a.raw(1);
    const bool large = frame.kind == ObjectKind::frame_2m, guest = is_guest(*space.value());
    const Result<std::uint64_t*> entry = guest ? guest_memory::free_frame_entry(root, address, large)
                                               : arch::vspace::free_frame_entry(root, address, large);
    SEPTUM_TRY(entry);
    return FrameMap{Map{entry.value(), root, address, guest}, access.value()};
}

void frame_map(const Kernel& k, caps::Capability& frame, const FrameMap& m) {
    const bool large = frame.kind == ObjectKind::frame_2m;
    if (m.map.guest) {
        guest_memory::install_frame(m.map.entry, frame.object, large, {m.access.write, m.access.execute});
    } else {
        arch::vspace::install_frame(m.map.entry, frame.object, large, {m.access.write, m.access.execute});
    }
    k.record_mapping(frame, m.map.root, m.map.address, m.map.guest);
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

Result<Map> decode_table_map(Kernel& k, const Tcb& caller, const caps::Capability& table, const Arguments& a) {
    if (!a.has(2)) {
        return Status::invalid_argument;
    }
    const Result<const caps::Slot*> space = decode_target(k, caller, a.raw(0));
    SEPTUM_TRY(space);
    SEPTUM_TRY(check_mappable(k, table, *space.value()));
    // VSpace tables go into PML4s, guest tables into GuestMemory, never across.
    const bool guest = is_guest(*space.value());
    if (guest != guest_memory::is_table_kind(table.kind)) {
        return Status::wrong_kind;
    }
    const std::uint64_t root = space.value()->cap.object, address = a.raw(1);
    const Result<std::uint64_t*> entry = guest ? guest_memory::free_table_entry(root, address, table.kind)
                                               : arch::vspace::free_table_entry(root, address, level_of(table.kind));
    SEPTUM_TRY(entry);
    return Map{entry.value(), root, address, guest};
}

void table_map(const Kernel& k, caps::Capability& table, const Map& m) {
    if (m.guest) {
        guest_memory::install_table(m.entry, table.object);
    } else {
        arch::vspace::install_table(m.entry, table.object);
    }
    k.record_mapping(table, m.root, m.address, m.guest);
}

}  // namespace

Status frame_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    switch (op) {
        case abi::Invocation::frame_map: {
            const Result<FrameMap> m = decode_frame_map(k, caller, slot.cap, a);
            SEPTUM_TRY(m);
            frame_map(k, slot.cap, m.value());
            return Status::ok;
        }
        case abi::Invocation::frame_unmap:
            k.unmap(slot.cap);
            return Status::ok;
        default:
            return Status::invalid_argument;
    }
}

Status paging_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    if (op != abi::Invocation::page_table_map) {
        return Status::invalid_argument;
    }
    const Result<Map> m = decode_table_map(k, caller, slot.cap, a);
    SEPTUM_TRY(m);
    table_map(k, slot.cap, m.value());
    return Status::ok;
}

}  // namespace septum::kernel
