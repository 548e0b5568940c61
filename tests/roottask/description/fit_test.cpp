// Whether the machine can build a description (roottask/description/fit.cpp),
// on the host: cells placed largest first in the block they leave least of,
// an Untyped cut only from a larger one, memory and slots that fall short
// said so, and every plan that says yes replayable cut by cut.
#include <gtest/gtest.h>

#include <random>

#include "description/fit.hpp"

namespace septum::roottask::description {
namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;

CellNeed cell_of(std::uint8_t bits, std::uint64_t slots = 100, std::uint64_t large_ram = 0) {
    CellNeed n;
    n.untyped_bits = bits;
    n.bytes = std::uint64_t{1} << bits;
    n.cell_slots = slots;
    n.large_ram = large_ram;
    return n;
}

// The cut of cell `cell`'s Untyped number `untyped`.
const Cut* cut_of(const Plan& p, std::uint32_t cell, std::uint8_t untyped = 0) {
    for (std::uint32_t k = 0; k < p.cut_count; ++k) {
        if (p.cuts[k].cell == cell && p.cuts[k].untyped == untyped) {
            return &p.cuts[k];
        }
    }
    return nullptr;
}

Machine machine(std::initializer_list<std::uint8_t> blocks, std::uint64_t slots = 8000) {
    Machine m;
    for (const std::uint8_t bits : blocks) {
        m.blocks[m.block_count++].size_bits = bits;
    }
    m.free_slots = slots;
    return m;
}

TEST(Fit, CellsShareABlockLargestFirst) {
    const CellNeed cells[] = {cell_of(18), cell_of(19), cell_of(18)};  // 256 KiB, 512 KiB, 256 KiB
    const Plan p = plan(cells, 3, machine({21}));
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p.cut_count, 3u);
    EXPECT_EQ(p.cuts[0].cell, 1u);
    EXPECT_EQ(p.cuts[1].cell, 0u);
    EXPECT_EQ(p.cuts[2].cell, 2u);
    EXPECT_EQ(p.bytes_needed, mib);
    EXPECT_EQ(p.slots_needed, 3 * cells[0].root_slots());
    // The last 1 MiB of a block holds them exactly, largest first; in
    // description order the 512 KiB one would have to skip the 256 KiB
    // after the first.
    Machine half = machine({21});
    half.blocks[0].used = mib;
    EXPECT_TRUE(plan(cells, 3, half).memory_ok);
    half.blocks[0].used = mib + 1;
    EXPECT_FALSE(plan(cells, 3, half).memory_ok);
}

// An Untyped is cut only from a larger one; one of a block's own size is
// the block itself, taken whole if nothing was cut from it (and takes no
// slot), and only if no larger block would do.
TEST(Fit, AnUntypedComesFromALargerOneOrIsAWholeBlock) {
    const CellNeed cells[] = {cell_of(22)};
    const Plan larger = plan(cells, 1, machine({22, 23}));
    ASSERT_TRUE(larger.ok());
    EXPECT_EQ(larger.cuts[0].block, 0u) << "the whole block leaves nothing: the best fit";
    EXPECT_TRUE(larger.cuts[0].whole);
    EXPECT_EQ(larger.slots_needed, cells[0].root_slots() - 1);
    Machine used = machine({22, 23});
    used.blocks[0].used = 1;
    const Plan cut = plan(cells, 1, used);
    ASSERT_TRUE(cut.ok());
    EXPECT_EQ(cut.cuts[0].block, 1u);
    EXPECT_FALSE(cut.cuts[0].whole);
    EXPECT_EQ(cut.slots_needed, cells[0].root_slots());
    Machine both = machine({22, 22});
    both.blocks[0].used = both.blocks[1].used = 4096;
    EXPECT_FALSE(plan(cells, 1, both).memory_ok);
    EXPECT_EQ(both.largest_free(), 2 * mib);
    EXPECT_EQ(machine({22}).largest_free(), 4 * mib);
}

// Guest RAM's Untypeds are placed like any other, largest first with all
// the cells' together: two tenants of 256 MiB take the two 256 MiB blocks
// whole, the small cells and the tenants' own Untypeds go to small blocks.
TEST(Fit, GuestRamUntypedsArePlacedWithTheOthers) {
    const CellNeed cells[] = {cell_of(18, 300, 256 * mib), cell_of(19), cell_of(18, 300, 256 * mib)};
    // A 1 GiB machine as its boot leaves it: blocks of 2^23 to 2^28 bytes.
    const Machine m = machine({23, 24, 25, 26, 27, 28, 28, 27, 26, 25});
    const Plan p = plan(cells, 3, m);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p.cut_count, 5u);
    const Cut* a = cut_of(p, 0, 1);
    const Cut* b = cut_of(p, 2, 1);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(a->whole && b->whole);
    EXPECT_EQ(a->block, 5u);
    EXPECT_EQ(b->block, 6u);
    EXPECT_EQ(p.cuts[0].cell, 0u) << "largest first, ties in description order";
    EXPECT_EQ(p.cuts[1].cell, 2u);
    EXPECT_EQ(p.bytes_needed, 512 * mib + 512 * 1024 + 2 * 256 * 1024);
    EXPECT_EQ(p.slots_needed, cells[0].root_slots() + cells[1].root_slots() + cells[2].root_slots() - 2);
    EXPECT_EQ(cells[0].root_slots(), 300u + 3);
    // A third tenant does not fit: no 256 MiB block is left whole, and
    // none is larger. The refusal names its guest RAM's Untyped.
    const CellNeed more[] = {cells[0], cells[1], cells[2], cell_of(18, 300, 256 * mib)};
    const Plan q = plan(more, 4, m);
    EXPECT_FALSE(q.memory_ok);
    EXPECT_EQ(q.cuts[q.unplaced].cell, 3u);
    EXPECT_EQ(q.cuts[q.unplaced].untyped, 1u);
    EXPECT_EQ(q.largest_left, 128 * mib);
}

TEST(Fit, BestFitKeepsLargeBlocksForLargeCells) {
    const CellNeed cells[] = {cell_of(16), cell_of(24)};
    const Plan p = plan(cells, 2, machine({25, 17}));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(cut_of(p, 0)->block, 1u) << "the small cell goes to the small block";
    EXPECT_EQ(cut_of(p, 1)->block, 0u);
}

TEST(Fit, WatermarkAndAlignmentCount) {
    Machine m = machine({23});  // 8 MiB
    m.blocks[0].used = 1;       // anything at all: a 4 MiB Untyped starts at 4 MiB
    const CellNeed cells[] = {cell_of(22), cell_of(22)};
    const Plan p = plan(cells, 2, m);
    EXPECT_FALSE(p.memory_ok);
    EXPECT_EQ(p.cuts[p.unplaced].cell, 1u);
    EXPECT_EQ(p.largest_left, 0u);
    EXPECT_EQ(m.blocks[0].fit(22), 4 * mib);
    EXPECT_EQ(m.largest_free(), 4 * mib);
}

TEST(Fit, MemoryShortSaysWhatIsLeft) {
    // Eight cells of 4 MiB on a machine with a 16 MiB and a used 4 MiB
    // block: 20 MiB free, but four 4 MiB Untypeds fill the first and none
    // can be cut from the second (an Untyped is smaller than its block,
    // unless it is the block, whole).
    CellNeed cells[8];
    for (auto& c : cells) {
        c = cell_of(22);
    }
    Machine m = machine({24, 22});
    m.blocks[1].used = 4096;
    const Plan p = plan(cells, 8, m);
    EXPECT_FALSE(p.memory_ok);
    EXPECT_EQ(p.cuts[p.unplaced].cell, 4u);
    EXPECT_EQ(p.bytes_needed, 32 * mib);
    EXPECT_EQ(m.free_bytes(), 20 * mib - 4096);
    EXPECT_EQ(p.largest_left, 2 * mib);
    EXPECT_TRUE(p.slots_ok);
}

TEST(Fit, SlotsShort) {
    const CellNeed cells[] = {cell_of(19, 1000), cell_of(19, 1000)};
    const Plan p = plan(cells, 2, machine({25}, 2003));
    EXPECT_TRUE(p.memory_ok);
    EXPECT_FALSE(p.slots_ok);
    EXPECT_EQ(p.slots_needed, 2004u);
    EXPECT_TRUE(plan(cells, 2, machine({25}, 2004)).ok());
}

TEST(Fit, MachineOfTakesTheBootInfoAsItIs) {
    abi::BootInfo bi{};
    bi.untyped.count = 3;
    bi.untyped_list[0].size_bits = 20;
    bi.untyped_list[1].size_bits = 200;  // no Untyped is that large: no room there
    bi.untyped_list[2].size_bits = 12;
    const Machine m = machine_of(bi, 77);
    EXPECT_EQ(m.block_count, 3u);
    EXPECT_EQ(m.free_slots, 77u);
    EXPECT_EQ(m.free_bytes(), mib + 4096);
    EXPECT_EQ(m.largest_free(), mib) << "the 1 MiB block, whole";
    bi.untyped.count = 1000;
    EXPECT_EQ(machine_of(bi, 0).block_count, abi::max_untyped_descriptions);
}

// Random machines and cells: a plan that says the memory is there is
// replayed cut by cut, as the root task cuts, and every cut succeeds at an
// address of its own (a whole block only if nothing was cut from it).
TEST(Fit, EveryPlanThatFitsCanBeCut) {
    std::mt19937_64 random(14);
    int fitted = 0, whole = 0, ram = 0;
    for (int round = 0; round < 5000; ++round) {
        Machine m;
        m.block_count = 1 + random() % 6;
        for (std::uint32_t b = 0; b < m.block_count; ++b) {
            m.blocks[b].size_bits = static_cast<std::uint8_t>(12 + random() % 20);
            m.blocks[b].used = random() % 3 == 0 ? random() % m.blocks[b].size() : 0;
        }
        CellNeed cells[abi::max_system_cells];
        const std::uint32_t count = 1 + random() % abi::max_system_cells;
        std::uint64_t slots = 0;
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint64_t large = random() % 2 == 0 ? (random() % 64) * 2 * mib : 0;
            cells[i] = cell_of(static_cast<std::uint8_t>(12 + random() % 12), 100, large);
            slots += cells[i].root_slots();
        }
        const Plan p = plan(cells, count, m);
        if (!p.memory_ok) {
            continue;
        }
        ++fitted;
        std::uint32_t cuts = 0;
        for (std::uint32_t i = 0; i < count; ++i) {
            cuts += cells[i].untyped_count();
        }
        ASSERT_EQ(p.cut_count, cuts);
        Machine replay = m;
        std::uint64_t wholes = 0;
        for (std::uint32_t k = 0; k < p.cut_count; ++k) {
            const Cut& c = p.cuts[k];
            ASSERT_EQ(c.size_bits, cells[c.cell].untyped_size_bits(c.untyped));
            if (k > 0) {
                ASSERT_LE(c.size_bits, p.cuts[k - 1].size_bits) << "largest first";
            }
            Block& b = replay.blocks[c.block];
            if (c.whole) {
                ASSERT_EQ(b.used, 0u) << "round " << round << " cut " << k;
                ASSERT_EQ(b.size_bits, c.size_bits);
                b.used = b.size();
                ++wholes;
                continue;
            }
            ASSERT_LT(c.size_bits, b.size_bits) << "an Untyped is cut only from a larger one";
            const std::uint64_t at = b.fit(c.size_bits);
            ASSERT_NE(at, ~std::uint64_t{0}) << "round " << round << " cut " << k;
            ASSERT_GE(at, b.used);
            b.used = at + c.size();
            ASSERT_LE(b.used, b.size());
        }
        EXPECT_EQ(p.slots_needed, slots - wholes);
        whole += wholes != 0 ? 1 : 0;
        ram += cuts > count ? 1 : 0;
    }
    EXPECT_GT(fitted, 500) << "the random machines should often fit";
    EXPECT_GT(whole, 50) << "and often take a block whole";
    EXPECT_GT(ram, 100) << "and often place guest RAM's Untypeds";
}

}  // namespace
}  // namespace septum::roottask::description
