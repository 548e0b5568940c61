// Mapping frames into an address space, making the paging structures on
// the way (PDPT, page directory, page table) from an Allocator.
#pragma once

#include <cstdint>

#include "septum/user/alloc.hpp"

namespace septum::user {

// Frame mapping rights (abi frame_map).
enum class MapRights : std::uint64_t { read = 1, write = 2, execute = 16 };
constexpr std::uint64_t operator|(MapRights a, MapRights b) {
    return static_cast<std::uint64_t>(a) | static_cast<std::uint64_t>(b);
}
constexpr std::uint64_t rw = MapRights::read | MapRights::write;
constexpr std::uint64_t rx = MapRights::read | MapRights::execute;
constexpr std::uint64_t ro = static_cast<std::uint64_t>(MapRights::read);

// Frame sizes: a 2 MiB frame (caps::ObjectKind::frame_2m) is mapped by a
// page-directory entry, with no page table.
enum class FrameSize : std::uint8_t { small, large };

// Maps `frame` at `vaddr` in `vspace` with `rights`, making whatever
// paging structures are missing.
Status map_frame(Allocator& a, CPtr vspace, CPtr frame, std::uint64_t vaddr, std::uint64_t rights,
                 FrameSize size = FrameSize::small);

// A new 4 KiB frame mapped at vaddr; its capability address, or the error.
Result<CPtr> map_new_frame(Allocator& a, CPtr vspace, std::uint64_t vaddr, std::uint64_t rights);

Status unmap_frame(CPtr frame);

}  // namespace septum::user
