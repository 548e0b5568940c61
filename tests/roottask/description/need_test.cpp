// What a cell needs (roottask/description/need.cpp), on the host: the
// objects, page tables and slots counted for known layouts, and the
// alignment allowance never exceeded by a bump allocator, in any order.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "description/layout.hpp"
#include "description/need.hpp"

namespace septum::roottask::description {
namespace {

constexpr std::uint64_t kib = 1024, page = 4096;

// A VMM program of `pages` pages of text at 4 MiB and `data` pages after it.
elf::Image program(std::uint64_t text_pages, std::uint64_t data_pages, std::uint64_t base = 0x400000) {
    elf::Image image;
    image.entry = base;
    image.segments[0] = {base, 0x1000, text_pages * page, text_pages * page, false, true};
    image.segments[1] = {base + text_pages * page, 0x1000, 100, data_pages * page, true, false};
    image.segment_count = 2;
    return image;
}

TEST(CellNeed, SmallCellCountedObjectByObject) {
    const elf::Image vmm = program(7, 1);
    const CellNeed n = cell_need({16, 100, &vmm, true});
    EXPECT_EQ(n.guest_ram, 16 * page);
    EXPECT_EQ(n.image, page);
    EXPECT_EQ(n.program, 8 * page);
    // The VMM's tables: page tables for the program, the CellInfo/state/
    // console pages, guest RAM, the image and the stack (5); page
    // directories for the first GiB and the stack's (2); PDPTs likewise (2).
    // The EPT: its root and three tables.
    EXPECT_EQ(n.page_tables, (9 + 4) * page);
    // PML4, CNode (radix 8: 32 KiB), VCPU (8 KiB), TCB (2 KiB),
    // SchedContext (256 bytes), state, console and CellInfo pages, four
    // stack pages and the IPC buffer.
    EXPECT_EQ(n.objects, page + 32 * kib + 8 * kib + 2 * kib + 256 + 8 * page);
    EXPECT_EQ(n.alignment, (32 * kib - page) + (8 * kib - page) + (page - 2 * kib) + (page - 256));
    EXPECT_EQ(n.bytes, n.guest_ram + n.image + n.program + n.page_tables + n.objects + n.alignment);
    EXPECT_EQ(n.untyped_bits, 19);  // about 270 KiB: 512 KiB
    // One slot per object (PML4, CNode, VCPU, TCB, SchedContext; 8 program,
    // 16 guest, 1 image and 8 other frames; the EPT's 4 and the VMM's 9
    // tables: 51), one per copy (the CSpace root, 16 guest pages, 3 pages):
    // 71; with the Untyped and the staging frame, 73 of the root task's.
    EXPECT_EQ(n.cell_slots, 71u);
    EXPECT_EQ(n.root_slots(), 73u);
}

TEST(CellNeed, UntypedIsTheLeastPowerOfTwoHoldingIt) {
    const elf::Image vmm = program(7, 1);
    for (std::uint64_t ram = 1; ram <= 512; ram += 37) {
        const CellNeed n = cell_need({ram, 5000, &vmm, true});
        EXPECT_GE(n.untyped_bytes(), n.bytes) << ram;
        EXPECT_LT(n.untyped_bytes() / 2, n.bytes) << ram;
    }
    const CellNeed full = cell_need({512, 4096, &vmm, true});
    EXPECT_EQ(full.untyped_bits, 22) << "2 MiB of guest RAM and the rest take 4 MiB";
    EXPECT_EQ(full.cell_slots, 71u - 2 * 16 + 2 * 512);
}

TEST(CellNeed, WithoutABudgetNoSchedContext) {
    const elf::Image vmm = program(7, 1);
    const CellNeed with = cell_need({16, 100, &vmm, true});
    const CellNeed without = cell_need({16, 100, &vmm, false});
    EXPECT_EQ(with.objects - without.objects, 256u);
    EXPECT_EQ(with.cell_slots - without.cell_slots, 1u);
}

TEST(CellNeed, PageTablesFollowTheAddresses) {
    const CellNeed base = [] {
        const elf::Image vmm = program(7, 1);
        return cell_need({16, 100, &vmm, true});
    }();
    // A program crossing a 2 MiB boundary takes a second page table.
    const elf::Image crossing = program(7, 1, 0x400000 - 4 * page);
    EXPECT_EQ(cell_need({16, 100, &crossing, true}).page_tables, base.page_tables + page);
    // One in another GiB: its page table instead, and a page directory more.
    const elf::Image far = program(7, 1, 0x80000000);
    EXPECT_EQ(cell_need({16, 100, &far, true}).page_tables, base.page_tables + page);
    // Sharing the 2 MiB of the CellInfo page: one page table fewer.
    const elf::Image beside = program(7, 1, layout::vmm_cell_info + 0x10000);
    EXPECT_EQ(cell_need({16, 100, &beside, true}).page_tables, base.page_tables - page);
    // Guest RAM and image are at most 2 MiB and 1 MiB: one page table each.
    const elf::Image vmm = program(7, 1);
    EXPECT_EQ(cell_need({512, max_image_bytes, &vmm, true}).page_tables, base.page_tables);
}

// The allowance is what alignment can cost in any order: objects of random
// power-of-two sizes, cut one after the other with natural alignment,
// never take more than their sizes and allowances together.
TEST(CellNeed, AlignmentAllowanceHoldsInAnyOrder) {
    std::mt19937_64 random(14);
    for (int round = 0; round < 20000; ++round) {
        const std::size_t n = 1 + random() % 40;
        std::uint64_t watermark = 0, bound = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t size = std::uint64_t{1} << (4 + random() % 14);  // 16 bytes to 128 KiB
            watermark = ((watermark + size - 1) & ~(size - 1)) + size;
            bound += size + alignment_allowance(size);
        }
        ASSERT_LE(watermark, bound) << "round " << round;
    }
}

TEST(CellNeed, ReadsOnlyProgramsTheRootTaskLoads) {
    elf::Image out;
    const std::vector<std::uint8_t> junk(200, 0x7f);
    EXPECT_FALSE(read_program(junk.data(), junk.size(), out));
    EXPECT_FALSE(read_program(nullptr, 0, out));
}

}  // namespace
}  // namespace septum::roottask::description
