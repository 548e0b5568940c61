// Whether the machine can build every cell of a description, decided
// before any cell is built: each of each cell's Untypeds (need.hpp: its
// own and its guest RAM's) must come from one of the machine's Untyped
// blocks, and the root task's CNode must have the slots. The root task
// plans, cuts every Untyped in the plan's order, and only then builds the
// cells, so no build runs out of memory halfway. Portable.
#pragma once

#include <cstdint>

#include "description/need.hpp"
#include "septum/abi/bootinfo.hpp"
#include "septum/abi/system_description.hpp"

namespace septum::roottask::description {

// One Untyped of the machine: its size and its watermark (the bytes earlier
// retypes took from it, each object naturally aligned).
struct Block {
    std::uint8_t size_bits = 0;
    std::uint64_t used = 0;

    [[nodiscard]] std::uint64_t size() const { return std::uint64_t{1} << size_bits; }
    // Where an Untyped of 2^bits cut from it would start, or ~0 if it
    // cannot be cut (it is larger than the block, or there is no room). An
    // Untyped is cut only from a larger one (retype's rule), so one of the
    // block's own size is the whole block, untouched: at 0.
    [[nodiscard]] std::uint64_t fit(std::uint8_t bits) const;
};

struct Machine {
    Block blocks[abi::max_untyped_descriptions] = {};
    std::uint32_t block_count = 0;
    std::uint64_t free_slots = 0;  // of the root task's CNode

    [[nodiscard]] std::uint64_t free_bytes() const;
    // The largest Untyped the blocks could still give, cut or whole (0: none).
    [[nodiscard]] std::uint64_t largest_free() const;
};

// The machine's Untyped blocks as the kernel handed them over, untouched.
Machine machine_of(const abi::BootInfo& bi, std::uint64_t free_slots);

// One Untyped to cut for a cell.
struct Cut {
    std::uint32_t cell = 0;
    std::uint8_t untyped = 0;  // which of the cell's (CellNeed::untyped_size_bits): 0 its own, then its guest RAM's
    std::uint8_t size_bits = 0;
    std::uint32_t block = 0;  // the machine's block it comes from ...
    bool whole = false;       // ... or is, whole: then nothing is cut, the cell takes the block's capability

    [[nodiscard]] std::uint64_t size() const { return std::uint64_t{1} << size_bits; }
};

inline constexpr std::uint32_t max_cuts = abi::max_system_cells * max_cell_untypeds;

struct Plan {
    bool memory_ok = true;
    bool slots_ok = true;
    // Every cell's Untypeds, largest first (ties in description order, a
    // cell's own before its guest RAM's): the order to cut them in.
    Cut cuts[max_cuts] = {};
    std::uint32_t cut_count = 0;
    std::uint32_t unplaced = 0;      // memory short: the first cut, in that order, no block holds ...
    std::uint64_t largest_left = 0;  // ... and the largest Untyped the blocks could still give then
    std::uint64_t bytes_needed = 0;  // the cells' Untypeds together
    std::uint64_t slots_needed = 0;  // the root task's CNode slots they take (none for a whole block)

    [[nodiscard]] bool ok() const { return memory_ok && slots_ok; }
};

// Plans `count` (at most abi::max_system_cells) cells of these needs on the
// machine. The cells' Untypeds are placed largest first, each in the
// block it leaves with the least free space; in decreasing sizes, natural
// alignment adds no gap after the first in a block.
Plan plan(const CellNeed* needs, std::uint32_t count, const Machine& machine);

}  // namespace septum::roottask::description
