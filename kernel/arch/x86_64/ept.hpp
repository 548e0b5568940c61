// Guest-physical address spaces: 4-level EPT paging structures (Intel SDM
// Vol. 3 29.3), each level an object retyped from Untyped (GuestMemory is
// the EPT PML4; EPT PDPT, PD and PT below it); leaves are Frames. Guest
// memory is write-back; the guest reaches only frames mapped here.
#pragma once

#include <cstdint>

#include "septum/caps/status.hpp"

namespace septum::arch::ept {

struct Access {
    bool read, write, execute;
};

// Guest-physical addresses the kernel maps: below 2^48 (4-level EPT).
inline constexpr std::uint64_t max_guest_physical = std::uint64_t{1} << 48;

// Installs a table at `table_phys` covering gpa at `level` (3: EPT PDPT in
// the PML4, 2: PD, 1: PT).
Status map_table(std::uint64_t root, std::uint64_t gpa, unsigned level, std::uint64_t table_phys);
Status map_frame(std::uint64_t root, std::uint64_t gpa, std::uint64_t frame_phys, bool large, Access access);
// Clears the entry at `entry_level` for gpa if it still maps `phys`.
void unmap(std::uint64_t root, std::uint64_t gpa, std::uint8_t entry_level, std::uint64_t phys);

// The EPT pointer for a GuestMemory root (write-back, 4-level walk).
inline std::uint64_t pointer(std::uint64_t root) { return root | (3u << 3) | 6u; }

}  // namespace septum::arch::ept
