// What a cell needs (roottask/description/need.cpp), on the host: the
// objects, page tables and slots counted for known layouts, and the
// alignment allowance never exceeded by a bump allocator, in any order.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "description/check.hpp"
#include "description/layout.hpp"
#include "description/need.hpp"

namespace septum::roottask::description {
namespace {

constexpr std::uint64_t kib = 1024, mib = 1024 * kib, page = 4096;

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
    // directories for the first GiB, guest RAM's (at 4 GiB) and the
    // stack's (3); PDPTs for the first 512 GiB and the stack's (2). The
    // EPT: its root and three tables.
    EXPECT_EQ(n.page_tables, (10 + 4) * page);
    // PML4, CNode (radix 8: 32 KiB), VCPU (8 KiB), TCB (2 KiB),
    // SchedContext (256 bytes), the wake Notification (32 bytes), state,
    // console, input and CellInfo pages, four stack pages and the IPC
    // buffer.
    EXPECT_EQ(n.objects, page + 32 * kib + 8 * kib + 2 * kib + 256 + 32 + 9 * page);
    EXPECT_EQ(n.alignment, (32 * kib - page) + (8 * kib - page) + (page - 2 * kib) + (page - 256) + (page - 32));
    EXPECT_EQ(n.bytes, n.guest_ram + n.image + n.program + n.page_tables + n.objects + n.alignment);
    EXPECT_EQ(n.untyped_bits, 19);  // about 270 KiB: 512 KiB
    // No guest RAM in 2 MiB frames: one Untyped.
    EXPECT_EQ(n.large_ram, 0u);
    EXPECT_EQ(n.untyped_count(), 1u);
    EXPECT_EQ(n.all_untyped_bytes(), n.untyped_bytes());
    // One slot per object (PML4, CNode, VCPU, TCB, SchedContext, the wake
    // Notification; 8 program, 16 guest, 1 image and 9 other frames; the
    // EPT's 4 and the VMM's 10 tables: 54), one per copy (the CSpace root,
    // 16 guest pages, 4 pages): 75; with the Untyped and the staging frame,
    // 77 of the root task's.
    EXPECT_EQ(n.cell_slots, 75u);
    EXPECT_EQ(n.root_slots(), 77u);
}

// Guest RAM up to the last 2 MiB boundary is 2 MiB frames, from Untypeds
// of their own, one per set bit of its size, largest first; each frame
// mapped by one EPT entry and one VMM entry, no page table.
TEST(CellNeed, LargeRamIn2MiBFramesFromUntypedsOfItsOwn) {
    const elf::Image vmm = program(7, 1);
    const CellNeed small = cell_need({16, 100, &vmm, true});
    const CellNeed n = cell_need({65536, 100, &vmm, true});  // 256 MiB
    EXPECT_EQ(n.large_ram, 256 * mib);
    EXPECT_EQ(n.guest_ram, 0u);
    ASSERT_EQ(n.untyped_count(), 2u);
    EXPECT_EQ(n.untyped_size_bits(0), n.untyped_bits);
    EXPECT_EQ(n.untyped_size_bits(1), 28);
    EXPECT_EQ(n.all_untyped_bytes(), 256 * mib + n.untyped_bytes());
    // The small cell's tables less a page table each for 4 KiB guest pages
    // in the EPT and in the VMM: the EPT's root, PDPT and one page directory.
    EXPECT_EQ(n.page_tables, small.page_tables - 2 * page);
    EXPECT_EQ(n.objects, small.objects);
    EXPECT_EQ(n.alignment, small.alignment);
    EXPECT_EQ(n.bytes, small.bytes - 16 * page - 2 * page);
    EXPECT_EQ(n.untyped_bits, 18) << "about 200 KiB of hypervisor objects besides the guest's 256 MiB: 256 KiB";
    // The 128 frames and their copies in the VMM, instead of 16 pages and
    // theirs and the two page tables; one more Untyped.
    EXPECT_EQ(n.cell_slots, small.cell_slots - 2 * 16 - 2 + 2 * 128);
    EXPECT_EQ(n.root_slots(), n.cell_slots + 3);
}

TEST(CellNeed, AGibTakesOnePageDirectoryEachSide) {
    const elf::Image vmm = program(7, 1);
    const CellNeed mib256 = cell_need({65536, 100, &vmm, true});
    const CellNeed gib1 = cell_need({262144, 100, &vmm, true});
    EXPECT_EQ(gib1.bytes, mib256.bytes) << "one EPT and one VMM page directory map up to a GiB";
    EXPECT_EQ(gib1.cell_slots, mib256.cell_slots + 2 * (512 - 128));
    ASSERT_EQ(gib1.untyped_count(), 2u);
    EXPECT_EQ(gib1.untyped_size_bits(1), 30);
    const CellNeed gib3 = cell_need({max_guest_ram / page, 100, &vmm, true});
    EXPECT_EQ(gib3.page_tables, mib256.page_tables + 4 * page) << "two more page directories each side";
    ASSERT_EQ(gib3.untyped_count(), 3u);
    EXPECT_EQ(gib3.untyped_size_bits(1), 31);
    EXPECT_EQ(gib3.untyped_size_bits(2), 30);
    EXPECT_EQ(gib3.large_ram, max_guest_ram);
}

TEST(CellNeed, RemainderIn4KiBFramesOfTheCellsOwnUntyped) {
    const elf::Image vmm = program(7, 1);
    const CellNeed even = cell_need({65536, 100, &vmm, true});
    const CellNeed odd = cell_need({65536 + 3, 100, &vmm, true});
    EXPECT_EQ(odd.large_ram, even.large_ram);
    EXPECT_EQ(odd.guest_ram, 3 * page);
    EXPECT_EQ(odd.page_tables, even.page_tables + 2 * page) << "a page table in the EPT and one in the VMM";
    EXPECT_EQ(odd.cell_slots, even.cell_slots + 2 * 3 + 2);
    // 384 MiB: Untypeds of 256 and 128 MiB, in that order.
    const CellNeed two = cell_need({384 * mib / page, 100, &vmm, true});
    ASSERT_EQ(two.untyped_count(), 3u);
    EXPECT_EQ(two.untyped_size_bits(1), 28);
    EXPECT_EQ(two.untyped_size_bits(2), 27);
    EXPECT_EQ(two.untyped_size_bits(3), 0) << "past the last";
    // The most Untypeds a cell can have: 3 GiB less a page (2^31 and
    // 2^29 to 2^21 bytes of 2 MiB frames, and its own).
    const CellNeed most = cell_need({max_guest_ram / page - 1, 100, &vmm, true});
    EXPECT_EQ(most.untyped_count(), 11u);
    EXPECT_LE(most.untyped_count(), max_cell_untypeds);
    EXPECT_EQ(most.large_ram + most.guest_ram, max_guest_ram - page);
    std::uint64_t sum = 0;
    for (unsigned u = 1; u < most.untyped_count(); ++u) {
        if (u > 1) {
            EXPECT_LT(most.untyped_size_bits(u), most.untyped_size_bits(u - 1)) << "largest first";
        }
        sum += std::uint64_t{1} << most.untyped_size_bits(u);
    }
    EXPECT_EQ(sum, most.large_ram);
}

TEST(CellNeed, UntypedIsTheLeastPowerOfTwoHoldingIt) {
    const elf::Image vmm = program(7, 1);
    for (std::uint64_t ram = 1; ram <= 512; ram += 37) {
        const CellNeed n = cell_need({ram, 5000, &vmm, true});
        EXPECT_GE(n.untyped_bytes(), n.bytes) << ram;
        EXPECT_LT(n.untyped_bytes() / 2, n.bytes) << ram;
    }
    const CellNeed full = cell_need({512, 4096, &vmm, true});
    EXPECT_EQ(full.untyped_bits, 18) << "2 MiB of guest RAM in an Untyped of its own, the rest in 256 KiB";
    EXPECT_EQ(full.all_untyped_bytes(), 2 * mib + 256 * kib);
    EXPECT_EQ(full.cell_slots, 75u - 2 * 16 - 2 + 2);
    const CellNeed almost = cell_need({511, 4096, &vmm, true});
    EXPECT_EQ(almost.untyped_bits, 22) << "2 MiB less a page of 4 KiB frames and the rest take 4 MiB";
    EXPECT_EQ(almost.cell_slots, 75u - 2 * 16 + 2 * 511);
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
    // 4 KiB guest pages (less than 2 MiB of them) and the image (at most
    // 1 MiB): one page table each; 2 MiB of guest RAM: none.
    const elf::Image vmm = program(7, 1);
    EXPECT_EQ(cell_need({511, max_image_bytes, &vmm, true}).page_tables, base.page_tables);
    EXPECT_EQ(cell_need({512, max_image_bytes, &vmm, true}).page_tables, base.page_tables - 2 * page);
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
