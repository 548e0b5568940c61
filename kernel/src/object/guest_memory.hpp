// GuestMemory (capabilities/: ObjectKind::guest_memory): a guest-physical
// address space, the root of the second-level tables the processor walks
// for a guest (EPT on VT-x). A VCPU runs in the GuestMemory its
// configuration names; the guest reaches exactly the Frames mapped here.
// Frames and the guest's table objects (EPT PDPT, PD, PT) are mapped into
// it by frame_map and page_table_map with a GuestMemory as their target
// (invoke/frame.cpp decodes both and calls here for that target).
#pragma once

#include <cstdint>

#include "septum/caps/object_kind.hpp"
#include "septum/caps/status.hpp"
#include "virt.hpp"

namespace septum::kernel::guest_memory {

// Whether a paging-structure kind belongs in a GuestMemory (not a VSpace).
constexpr bool is_table_kind(caps::ObjectKind kind) {
    return kind == caps::ObjectKind::ept_pdpt || kind == caps::ObjectKind::ept_pd || kind == caps::ObjectKind::ept_pt;
}

// The level of the entry that maps an object of this kind (0: none maps it).
constexpr std::uint8_t entry_level(caps::ObjectKind kind) {
    switch (kind) {
        case caps::ObjectKind::frame_4k:
            return 1;
        case caps::ObjectKind::frame_2m:
        case caps::ObjectKind::ept_pt:
            return 2;
        case caps::ObjectKind::ept_pd:
            return 3;
        case caps::ObjectKind::ept_pdpt:
            return 4;
        default:
            return 0;
    }
}

// The decode step of a map: the free entry the frame (or the table, of a
// kind is_table_kind accepts) would take at gpa, after every check.
inline Result<std::uint64_t*> free_frame_entry(std::uint64_t root, std::uint64_t gpa, bool large) {
    return arch::virt::free_frame_entry(root, gpa, large);
}
inline Result<std::uint64_t*> free_table_entry(std::uint64_t root, std::uint64_t gpa, caps::ObjectKind kind) {
    return arch::virt::free_table_entry(root, gpa, static_cast<unsigned>(entry_level(kind) - 1));
}

// The invoke step: cannot fail.
inline void install_frame(std::uint64_t* entry, std::uint64_t frame, bool large, arch::virt::Access access) {
    arch::virt::install_frame(entry, frame, large, access);
}
inline void install_table(std::uint64_t* entry, std::uint64_t table) { arch::virt::install_table(entry, table); }

// Removes the mapping of the object (`kind` at `phys`) at gpa, if it is
// still there.
inline void unmap(std::uint64_t root, std::uint64_t gpa, caps::ObjectKind kind, std::uint64_t phys) {
    arch::virt::unmap(root, gpa, entry_level(kind), phys);
}

}  // namespace septum::kernel::guest_memory
