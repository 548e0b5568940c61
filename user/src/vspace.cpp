#include "septum/user/vspace.hpp"

#include "septum/user/invoke.hpp"

namespace septum::user {

namespace {

using caps::ObjectKind;

// The paging structure that maps into the level above: page table (1),
// page directory (2), PDPT (3).
ObjectKind table_kind(unsigned level) {
    switch (level) {
        case 1:
            return ObjectKind::page_table;
        case 2:
            return ObjectKind::page_directory;
        default:
            return ObjectKind::pdpt;
    }
}

// Makes and maps the structure of `level` covering vaddr, and the levels
// above it that are missing (the kernel says depth_mismatch for those).
Status ensure_table(Allocator& a, CPtr vspace, std::uint64_t vaddr, unsigned level) {
    const Result<CPtr> table = a.make(table_kind(level));
    SEPTUM_TRY(table);
    Status s = invoke(table.value(), abi::Invocation::page_table_map, {vspace, vaddr}).status;
    if (s == Status::depth_mismatch && level < 3) {
        SEPTUM_TRY(ensure_table(a, vspace, vaddr, level + 1));
        s = invoke(table.value(), abi::Invocation::page_table_map, {vspace, vaddr}).status;
    }
    return s;
}

}  // namespace

Status map_frame(Allocator& a, CPtr vspace, CPtr frame, std::uint64_t vaddr, std::uint64_t rights, FrameSize size) {
    Status s = invoke(frame, abi::Invocation::frame_map, {vspace, vaddr, rights}).status;
    if (s == Status::depth_mismatch) {
        SEPTUM_TRY(ensure_table(a, vspace, vaddr, size == FrameSize::large ? 2 : 1));
        s = invoke(frame, abi::Invocation::frame_map, {vspace, vaddr, rights}).status;
    }
    return s;
}

Result<CPtr> map_new_frame(Allocator& a, CPtr vspace, std::uint64_t vaddr, std::uint64_t rights) {
    const Result<CPtr> frame = a.make(ObjectKind::frame_4k);
    SEPTUM_TRY(frame);
    SEPTUM_TRY(map_frame(a, vspace, frame.value(), vaddr, rights));
    return frame.value();
}

Status unmap_frame(CPtr frame) { return invoke(frame, abi::Invocation::frame_unmap, {}).status; }

}  // namespace septum::user
