// What building a cell takes, known before it is built: the bytes of its
// Untyped and the slots of the root task's CNode for its capabilities.
// The objects counted are those roottask/cells/cell.cpp makes, the page
// tables those its mappings at the addresses of layout.hpp take, and the
// most natural alignment can leave between them. The root task cuts each
// cell's Untyped to this size and checks the whole description against the
// machine (fit.hpp) before it builds anything; tools/sysgen prints it at
// build time. Portable.
#pragma once

#include <cstdint>

#include "septum/lib/elf.hpp"

namespace septum::roottask::description {

inline constexpr std::uint64_t max_image_bytes = std::uint64_t{1} << 20;  // a guest image the VMM keeps a copy of

// The facts a cell's need follows from.
struct CellParts {
    std::uint64_t guest_ram_pages = 0;
    std::uint64_t image_bytes = 0;    // the guest image (the VMM maps a read-only copy of it)
    const elf::Image* vmm = nullptr;  // the VMM program's loadable segments
    bool sched_context = true;        // the cell runs on a SchedContext of its own
};

struct CellNeed {
    // Bytes by use.
    std::uint64_t guest_ram = 0;
    std::uint64_t image = 0;
    std::uint64_t program = 0;      // the VMM program's loaded pages
    std::uint64_t page_tables = 0;  // the VMM's paging structures and the guest's EPT
    std::uint64_t objects = 0;      // PML4, CNode, VCPU, TCB, SchedContext, stack, IPC buffer, state, console, CellInfo
    std::uint64_t alignment = 0;    // the most natural alignment can leave unused between them
    std::uint64_t bytes = 0;        // the sum: what the cell's Untyped must hold
    std::uint8_t untyped_bits = 0;  // log2 of that Untyped: the least power of two holding `bytes`
    // Slots of the root task's CNode: one for each object and each copy
    // of a capability the cell's allocator hands out (cell_slots) ...
    std::uint64_t cell_slots = 0;
    // ... and all the slots building it takes from the root task, with the
    // two beside the cell's range: its Untyped and a staging frame.
    [[nodiscard]] std::uint64_t root_slots() const { return cell_slots + 2; }
    [[nodiscard]] std::uint64_t untyped_bytes() const { return std::uint64_t{1} << untyped_bits; }
};

// What natural alignment may cost around one object of `size` bytes (a
// power of two) in a bump allocator, the Untyped's watermark: the gaps
// before a sequence of objects add up to at most the sum of this over them,
// in any order (need.cpp says why).
constexpr std::uint64_t alignment_allowance(std::uint64_t size) {
    constexpr std::uint64_t page = 4096;
    return size < page ? page - size : size - page;
}

// What a cell of these parts takes. parts.vmm must be set.
CellNeed cell_need(const CellParts& parts);

// Reads a VMM program (an ELF executable, as the root task loads it).
// Returns false if it is not one the root task can load.
bool read_program(const std::uint8_t* bytes, std::uint64_t size, elf::Image& out);

}  // namespace septum::roottask::description
