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

CellNeed cell_of(std::uint8_t bits, std::uint64_t slots = 100) {
    CellNeed n;
    n.untyped_bits = bits;
    n.bytes = std::uint64_t{1} << bits;
    n.cell_slots = slots;
    return n;
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
    EXPECT_EQ(p.order[0], 1u);
    EXPECT_EQ(p.order[1], 0u);
    EXPECT_EQ(p.order[2], 2u);
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

TEST(Fit, AnUntypedComesOnlyFromALargerOne) {
    const CellNeed cells[] = {cell_of(22)};
    EXPECT_FALSE(plan(cells, 1, machine({22, 22})).memory_ok);
    const Plan p = plan(cells, 1, machine({22, 23}));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.block[0], 1u);
}

TEST(Fit, BestFitKeepsLargeBlocksForLargeCells) {
    const CellNeed cells[] = {cell_of(16), cell_of(24)};
    const Plan p = plan(cells, 2, machine({25, 17}));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.block[0], 1u) << "the small cell goes to the small block";
    EXPECT_EQ(p.block[1], 0u);
}

TEST(Fit, WatermarkAndAlignmentCount) {
    Machine m = machine({23});  // 8 MiB
    m.blocks[0].used = 1;       // anything at all: a 4 MiB Untyped starts at 4 MiB
    const CellNeed cells[] = {cell_of(22), cell_of(22)};
    const Plan p = plan(cells, 2, m);
    EXPECT_FALSE(p.memory_ok);
    EXPECT_EQ(p.unplaced, 1u);
    EXPECT_EQ(p.largest_left, 0u);
    EXPECT_EQ(m.blocks[0].fit(22), 4 * mib);
    EXPECT_EQ(m.largest_free(), 4 * mib);
}

TEST(Fit, MemoryShortSaysWhatIsLeft) {
    // Eight cells of 4 MiB on a machine with a 16 MiB and a 4 MiB block: 20
    // MiB free, but four 4 MiB Untypeds fill the first and none can be cut
    // from the second (an Untyped is smaller than its block).
    CellNeed cells[8];
    for (auto& c : cells) {
        c = cell_of(22);
    }
    const Machine m = machine({24, 22});
    const Plan p = plan(cells, 8, m);
    EXPECT_FALSE(p.memory_ok);
    EXPECT_EQ(p.unplaced, 4u);
    EXPECT_EQ(p.bytes_needed, 32 * mib);
    EXPECT_EQ(m.free_bytes(), 20 * mib);
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
    EXPECT_EQ(m.largest_free(), mib / 2);
    bi.untyped.count = 1000;
    EXPECT_EQ(machine_of(bi, 0).block_count, abi::max_untyped_descriptions);
}

// Random machines and cells: a plan that says the memory is there is
// replayed cut by cut, as the root task cuts, and every cut succeeds at an
// address of its own.
TEST(Fit, EveryPlanThatFitsCanBeCut) {
    std::mt19937_64 random(14);
    int fitted = 0;
    for (int round = 0; round < 5000; ++round) {
        Machine m;
        m.block_count = 1 + random() % 6;
        for (std::uint32_t b = 0; b < m.block_count; ++b) {
            m.blocks[b].size_bits = static_cast<std::uint8_t>(12 + random() % 14);
            m.blocks[b].used = random() % 3 == 0 ? random() % m.blocks[b].size() : 0;
        }
        CellNeed cells[abi::max_system_cells];
        const std::uint32_t count = 1 + random() % abi::max_system_cells;
        for (std::uint32_t i = 0; i < count; ++i) {
            cells[i] = cell_of(static_cast<std::uint8_t>(12 + random() % 12));
        }
        const Plan p = plan(cells, count, m);
        if (!p.memory_ok) {
            continue;
        }
        ++fitted;
        Machine replay = m;
        for (std::uint32_t k = 0; k < count; ++k) {
            const std::uint32_t i = p.order[k];
            Block& b = replay.blocks[p.block[i]];
            const std::uint64_t at = b.fit(cells[i].untyped_bits);
            ASSERT_NE(at, ~std::uint64_t{0}) << "round " << round << " cell " << i;
            ASSERT_GE(at, b.used);
            b.used = at + cells[i].untyped_bytes();
            ASSERT_LE(b.used, b.size());
            if (k > 0) {
                ASSERT_LE(cells[i].untyped_bits, cells[p.order[k - 1]].untyped_bits) << "largest first";
            }
        }
    }
    EXPECT_GT(fitted, 500) << "the random machines should often fit";
}

}  // namespace
}  // namespace septum::roottask::description
