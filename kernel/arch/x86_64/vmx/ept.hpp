// Guest-physical address spaces on VT-x: 4-level EPT paging structures
// (Intel SDM Vol. 3 29.3), each level an object retyped from Untyped
// (GuestMemory is the EPT PML4; EPT PDPT, PD and PT below it); leaves are
// Frames. Guest memory is write-back; the guest reaches only frames mapped
// here. A map is two steps, as every invocation is: finding the free entry
// checks everything, installing into it cannot fail.
#pragma once

#include <cstdint>

#include "septum/caps/status.hpp"

namespace septum::arch::ept {

struct Access {
    bool read, write, execute;
};

// Guest-physical addresses the kernel maps: below 2^48 (4-level EPT).
inline constexpr std::uint64_t max_guest_physical = std::uint64_t{1} << 48;

// The empty entry a table of `table_level` (3: EPT PDPT, 2: PD, 1: PT)
// covering gpa goes into: invalid_argument for a gpa or level out of
// range, depth_mismatch when a table above is missing, slot_occupied when
// the entry is in use.
Result<std::uint64_t*> free_table_entry(std::uint64_t root, std::uint64_t gpa, unsigned table_level);
// The same for a 4 KiB (large: 2 MiB) frame at gpa, which must be aligned.
Result<std::uint64_t*> free_frame_entry(std::uint64_t root, std::uint64_t gpa, bool large);

void install_table(std::uint64_t* entry, std::uint64_t table_phys);
// `access.read` must be set: write or execute without read is an EPT
// misconfiguration (SDM Vol. 3 29.3.3.1).
void install_frame(std::uint64_t* entry, std::uint64_t frame_phys, bool large, Access access);

// Clears the entry at `entry_level` for gpa if it still maps `phys`.
void unmap(std::uint64_t root, std::uint64_t gpa, std::uint8_t entry_level, std::uint64_t phys);

// The EPT pointer for a GuestMemory root (write-back, 4-level walk).
inline std::uint64_t pointer(std::uint64_t root) { return root | (3u << 3) | 6u; }

}  // namespace septum::arch::ept
