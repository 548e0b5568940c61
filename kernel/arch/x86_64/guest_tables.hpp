// The second-level tables a guest's memory accesses are translated by
// (GuestMemory, kernel/src/object/guest_memory.hpp): EPT on VT-x. Shared by
// the machine's seam (virt.hpp) and the simulated machine's, which runs the
// real table code over its simulated memory.
#pragma once

#include <cstdint>

#include "septum/caps/status.hpp"
#include "vmx/ept.hpp"

namespace septum::arch::virt {

inline constexpr std::uint64_t max_guest_physical = ept::max_guest_physical;

// What a guest may do with a frame besides reading it.
struct Access {
    bool write, execute;
};

// The free entry a mapping would take, after every check (range,
// alignment, the tables above present, the entry empty): the decode step
// of a map. Installing into it then cannot fail. A table's level is that
// of the entry that maps it, less one: 3 for a PDPT (in the root), 2 for a
// PD, 1 for a PT; a frame's entry is at level 1 (4 KiB) or 2 (2 MiB).
inline Result<std::uint64_t*> free_table_entry(std::uint64_t root, std::uint64_t gpa, unsigned table_level) {
    return ept::free_table_entry(root, gpa, table_level);
}
inline Result<std::uint64_t*> free_frame_entry(std::uint64_t root, std::uint64_t gpa, bool large) {
    return ept::free_frame_entry(root, gpa, large);
}
inline void install_table(std::uint64_t* entry, std::uint64_t table) { ept::install_table(entry, table); }
inline void install_frame(std::uint64_t* entry, std::uint64_t frame, bool large, Access access) {
    ept::install_frame(entry, frame, large, {true, access.write, access.execute});
}
inline void unmap(std::uint64_t root, std::uint64_t gpa, std::uint8_t entry_level, std::uint64_t phys) {
    ept::unmap(root, gpa, entry_level, phys);
}

}  // namespace septum::arch::virt
