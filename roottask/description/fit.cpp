#include "description/fit.hpp"

#include "septum/caps/object_kind.hpp"

namespace septum::roottask::description {

namespace {

constexpr std::uint64_t none = ~std::uint64_t{0};

// Every cell's Untypeds in the order they are cut: largest first, ties in
// description order and each cell's in its own order (a stable insertion
// sort). Returns how many.
std::uint32_t order_cuts(const CellNeed* needs, std::uint32_t count, Cut* cuts) {
    std::uint32_t n = 0;
    for (std::uint32_t cell = 0; cell < count; ++cell) {
        for (unsigned u = 0; u < needs[cell].untyped_count() && u < max_cell_untypeds; ++u) {
            const Cut c{cell, static_cast<std::uint8_t>(u), needs[cell].untyped_size_bits(u), 0};
            std::uint32_t j = n++;
            for (; j > 0 && cuts[j - 1].size_bits < c.size_bits; --j) {
                cuts[j] = cuts[j - 1];
            }
            cuts[j] = c;
        }
    }
    return n;
}

// The block that holds 2^bits leaving the least free space, or none.
std::uint64_t best_block(const Machine& m, std::uint8_t bits) {
    std::uint64_t best = none, best_left = none;
    for (std::uint32_t b = 0; b < m.block_count; ++b) {
        const std::uint64_t at = m.blocks[b].fit(bits);
        if (at == none) {
            continue;
        }
        const std::uint64_t left = m.blocks[b].size() - (at + (std::uint64_t{1} << bits));
        if (left < best_left) {
            best = b;
            best_left = left;
        }
    }
    return best;
}

}  // namespace

std::uint64_t Block::fit(std::uint8_t bits) const {
    // An Untyped cut from an Untyped is smaller than it (retype's rule);
    // one of the block's own size is the block itself, if it is untouched.
    if (bits == size_bits && used == 0) {
        return 0;
    }
    if (bits >= size_bits || used > size()) {
        return none;
    }
    const std::uint64_t object = std::uint64_t{1} << bits;
    const std::uint64_t at = (used + object - 1) & ~(object - 1);
    return at <= size() - object ? at : none;
}

std::uint64_t Machine::free_bytes() const {
    std::uint64_t n = 0;
    for (std::uint32_t b = 0; b < block_count; ++b) {
        n += blocks[b].used < blocks[b].size() ? blocks[b].size() - blocks[b].used : 0;
    }
    return n;
}

std::uint64_t Machine::largest_free() const {
    std::uint64_t largest = 0;
    for (std::uint32_t b = 0; b < block_count; ++b) {
        for (std::uint8_t bits = blocks[b].size_bits + 1; bits-- > caps::min_untyped_bits;) {
            if (blocks[b].fit(bits) != none) {
                largest = largest > (std::uint64_t{1} << bits) ? largest : std::uint64_t{1} << bits;
                break;
            }
        }
    }
    return largest;
}

Machine machine_of(const abi::BootInfo& bi, std::uint64_t free_slots) {
    Machine m;
    const std::uint64_t n =
        bi.untyped.count < abi::max_untyped_descriptions ? bi.untyped.count : abi::max_untyped_descriptions;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint8_t bits = bi.untyped_list[i].size_bits;
        // A size no Untyped can have is taken as an empty block.
        m.blocks[i].size_bits = bits <= caps::max_untyped_bits ? bits : 0;
        m.blocks[i].used = bits <= caps::max_untyped_bits ? 0 : 1;
    }
    m.block_count = static_cast<std::uint32_t>(n);
    m.free_slots = free_slots;
    return m;
}

Plan plan(const CellNeed* needs, std::uint32_t count, const Machine& machine) {
    Plan p;
    count = count < abi::max_system_cells ? count : abi::max_system_cells;
    for (std::uint32_t i = 0; i < count; ++i) {
        p.slots_needed += needs[i].root_slots();
    }
    p.cut_count = order_cuts(needs, count, p.cuts);
    Machine m = machine;
    for (std::uint32_t k = 0; k < p.cut_count; ++k) {
        Cut& cut = p.cuts[k];
        p.bytes_needed += cut.size();
        if (!p.memory_ok) {
            continue;
        }
        const std::uint64_t b = best_block(m, cut.size_bits);
        if (b == none) {
            p.memory_ok = false;
            p.unplaced = k;
            p.largest_left = m.largest_free();
            continue;
        }
        cut.block = static_cast<std::uint32_t>(b);
        cut.whole = cut.size_bits == m.blocks[b].size_bits;
        p.slots_needed -= cut.whole ? 1 : 0;  // the block's own capability: no slot to cut it into
        m.blocks[b].used = m.blocks[b].fit(cut.size_bits) + cut.size();
    }
    p.slots_ok = p.slots_needed <= machine.free_slots;
    return p;
}

}  // namespace septum::roottask::description
