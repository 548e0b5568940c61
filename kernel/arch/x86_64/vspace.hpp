// User address spaces: 4-level page tables whose every level is an object
// retyped from Untyped (PML4, PDPT, PageDirectory, PageTable) and whose
// leaves are Frames (SDM Vol. 3 4.5). The kernel half (PML4 entries
// 256-511) is shared by every address space and never writable from here.
#pragma once

#include <cstdint>

#include "septum/caps/object_kind.hpp"
#include "septum/caps/status.hpp"

namespace septum::arch::vspace {

// The level a paging structure is, by what maps it: a PDPT goes into a
// PML4 entry, a PageDirectory into a PDPT entry, a PageTable into a PD entry.
enum class Level : std::uint8_t { pdpt = 3, page_directory = 2, page_table = 1 };

struct FrameRights {
    bool write;
    bool execute;
};

// A new PML4: user half empty, kernel half copied from the kernel's tables.
void init_root(std::uint64_t pml4_phys);

// A map is two steps, as every invocation is: finding the free entry
// checks everything (invalid_argument for an address outside the user half
// or misaligned, depth_mismatch if the level above is missing,
// slot_occupied if the entry is in use); installing into it cannot fail.
Result<std::uint64_t*> free_table_entry(std::uint64_t pml4_phys, std::uint64_t vaddr, Level level);
Result<std::uint64_t*> free_frame_entry(std::uint64_t pml4_phys, std::uint64_t vaddr, bool large);
void install_table(std::uint64_t* entry, std::uint64_t table_phys);
void install_frame(std::uint64_t* entry, std::uint64_t frame_phys, bool large, FrameRights rights);

// Both steps at once, for the kernel's own mappings (the root task's).
// Installs the table at `table_phys` so that it covers `vaddr`.
Status map_table(std::uint64_t pml4_phys, std::uint64_t vaddr, Level level, std::uint64_t table_phys);
// Maps a 4 KiB (large: 2 MiB) frame at vaddr.
Status map_frame(std::uint64_t pml4_phys, std::uint64_t vaddr, std::uint64_t frame_phys, bool large,
                 FrameRights rights);

// Clears the entry that maps `phys` (a frame or a table) at vaddr at the
// given level, if and only if it still maps exactly that; flushes the TLB
// when the address space is the current one.
void unmap(std::uint64_t pml4_phys, std::uint64_t vaddr, std::uint8_t entry_level, std::uint64_t phys);

// The leaf level of a frame: 1 for 4 KiB, 2 for 2 MiB.
inline std::uint8_t frame_level(bool large) { return large ? 2 : 1; }
inline std::uint8_t table_entry_level(Level l) { return static_cast<std::uint8_t>(l) + 1; }

// The level of the entry that maps an object of this kind (0: none maps it).
inline std::uint8_t entry_level(caps::ObjectKind kind) {
    switch (kind) {
        case caps::ObjectKind::frame_4k:
            return 1;
        case caps::ObjectKind::frame_2m:
        case caps::ObjectKind::page_table:
            return 2;
        case caps::ObjectKind::page_directory:
            return 3;
        case caps::ObjectKind::pdpt:
            return 4;
        default:
            return 0;
    }
}

// The physical address vaddr translates to in the address space, or ~0
// when it is not mapped (for tests and checks; the kernel never needs it).
std::uint64_t translate(std::uint64_t pml4_phys, std::uint64_t vaddr);

}  // namespace septum::arch::vspace
