// Frame and paging-structure invocations (kernel/src/invoke/frame.cpp), into
// a VSpace (a PML4) and into a GuestMemory (EPT): every malformed map is
// refused by its decoder with the status user space has always seen and
// changes nothing, and a well-formed one lands in the entry the hardware
// walks, with the access asked for, until it is unmapped or revoked.
#include <gtest/gtest.h>

#include <cstdint>

#include "physical.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/abi/x86.hpp"
#include "sim/refusal.hpp"
#include "sim/sim_system.hpp"

using namespace septum;
using namespace septum::kernel;
using namespace septum::kernel::sim;
using caps::ObjectKind;
using septum::abi::Invocation;

namespace {

constexpr std::uint64_t kib4 = std::uint64_t{1} << 12, mib2 = std::uint64_t{1} << 21, gib1 = std::uint64_t{1} << 30;
constexpr std::uint64_t kernel_half = 0xffff800000000000;

// Frames, VSpace tables and a GuestMemory with its EPT tables, none mapped;
// eight MiB of simulated memory leave room for a 2 MiB frame.
class Frames : public RefusalTest {
protected:
    static constexpr std::uint64_t frame = 32, frame2 = 33, read_only = 34, large = 35, pdpt = 36, pd = 37, pt = 38,
                                   pt2 = 39, guest = 40, ept_pdpt = 41, ept_pd = 42, ept_pt = 43, ept_pt2 = 44,
                                   spare = 45;
    static constexpr std::uint64_t va = 0x10000000;        // a VSpace address
    static constexpr std::uint64_t gpa = gib1 + 3 * kib4;  // a guest-physical one: PDPT entry 1, PD 0, PT 3

    Frames() : RefusalTest(max_memory_bytes) {}

    void SetUp() override {
        retype(ObjectKind::frame_4k, frame);
        retype(ObjectKind::frame_4k, frame2);
        ok(slot_cnode, Invocation::cnode_mint, {frame2, 64, read_only, 64, 0x1, 0});
        sys.place(ObjectKind::frame_2m, 21, large);
        retype(ObjectKind::pdpt, pdpt);
        retype(ObjectKind::page_directory, pd);
        retype(ObjectKind::page_table, pt);
        retype(ObjectKind::page_table, pt2);
        retype(ObjectKind::guest_memory, guest);
        retype(ObjectKind::ept_pdpt, ept_pdpt);
        retype(ObjectKind::ept_pd, ept_pd);
        retype(ObjectKind::ept_pt, ept_pt);
        retype(ObjectKind::ept_pt, ept_pt2);
    }

    void map_vspace_tables() {
        for (std::uint64_t table : {pdpt, pd, pt}) {
            ok(table, Invocation::page_table_map, {slot_vspace, va});
        }
    }
    void map_guest_tables() {
        for (std::uint64_t table : {ept_pdpt, ept_pd, ept_pt}) {
            ok(table, Invocation::page_table_map, {guest, gpa});
        }
    }

    std::uint64_t phys(std::uint64_t slot) { return sys.slot(slot).cap.object; }

    // The VSpace entry at `level` (4: the PML4's ... 1: a PT's) for an
    // address, walked as ept_entry below walks the EPT.
    std::uint64_t vspace_entry(std::uint64_t address, unsigned level) {
        return walk(phys(slot_vspace), address, level, septum::abi::x86::pte::present);
    }

    // The EPT entry at `level` (4: the root's ... 1: a PT's) for an
    // address, walked here over the simulated memory rather than by the
    // kernel's code: an entry that is not a present table ends the walk.
    std::uint64_t ept_entry(std::uint64_t address, unsigned level) { return walk(phys(guest), address, level, 0x7); }

    std::uint64_t walk(std::uint64_t root, std::uint64_t address, unsigned level, std::uint64_t present) {
        constexpr std::uint64_t address_bits = septum::abi::x86::pte::address;
        std::uint64_t table = root;
        for (unsigned l = 4;; --l) {
            const std::uint64_t e = physical_pointer<std::uint64_t>(table)[(address >> (12 + 9 * (l - 1))) & 511];
            if (l == level) {
                return e;
            }
            if ((e & present) == 0) {
                return ~std::uint64_t{0};
            }
            table = e & address_bits;
        }
    }
};

TEST_F(Frames, VSpaceFrameMap) {
    const auto map = Invocation::frame_map;
    EXPECT_EQ(refused(frame, map, 2, {slot_vspace, va, 3}), Status::invalid_argument);  // too few words
    EXPECT_EQ(refused(frame, Invocation::page_table_map, 3, {slot_vspace, va, 3}), Status::invalid_argument);
    // The target: found, and an address space.
    EXPECT_EQ(refused(frame, map, 3, {spare, va, 3}), Status::empty_slot);
    EXPECT_EQ(refused(frame, map, 3, {std::uint64_t{1} << 63, va, 3}), Status::guard_mismatch);
    EXPECT_EQ(refused(frame, map, 3, {slot_endpoint, va, 3}), Status::wrong_kind);
    EXPECT_EQ(refused(frame, map, 3, {ept_pdpt, va, 3}), Status::wrong_kind);
    EXPECT_EQ(refused(frame, map, 3, {pdpt, va, 3}), Status::wrong_kind);
    // Rights: defined bits, at most the capability's (a Frame never has grant).
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va, 0x20}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va, std::uint64_t{1} << 40}), Status::invalid_argument);
    EXPECT_EQ(refused(read_only, map, 3, {slot_vspace, va, 0x2}), Status::insufficient_rights);
    EXPECT_EQ(refused(read_only, map, 3, {slot_vspace, va, 0x10}), Status::insufficient_rights);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va, 0x4}), Status::insufficient_rights);
    // Addresses: the user half, page aligned, not the first page.
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, kernel_half, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, std::uint64_t{1} << 47, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, 0, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va + 8, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(large, map, 3, {slot_vspace, va + kib4, 1}), Status::invalid_argument);
    // The tables above the entry must be there.
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va, 1}), Status::depth_mismatch);
    map_vspace_tables();
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va + mib2, 1}), Status::depth_mismatch);  // no page table
    EXPECT_EQ(refused(large, map, 3, {slot_vspace, va + gib1, 1}), Status::depth_mismatch);  // no directory
    EXPECT_EQ(refused(large, map, 3, {slot_vspace, va, 1}), Status::slot_occupied);          // the page table's entry
    ok(frame, map, {slot_vspace, va, 3});
    EXPECT_EQ(refused(frame2, map, 3, {slot_vspace, va, 1}), Status::slot_occupied);  // the entry is taken
    // A capability maps its frame in one place at a time, here or in a guest.
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va + kib4, 3}), Status::slot_occupied);
    EXPECT_EQ(refused(frame, map, 3, {guest, 0, 3}), Status::slot_occupied);
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va + kib4, 0x20}), Status::invalid_argument);  // rights first
    EXPECT_EQ(refused(frame, map, 3, {slot_endpoint, va + kib4, 3}), Status::wrong_kind);         // the target first
}

TEST_F(Frames, VSpaceTableMap) {
    const auto map = Invocation::page_table_map;
    EXPECT_EQ(refused(pdpt, map, 1, {slot_vspace, va}), Status::invalid_argument);  // too few words
    EXPECT_EQ(refused(pdpt, Invocation::frame_map, 3, {slot_vspace, va, 3}), Status::invalid_argument);
    EXPECT_EQ(refused(pdpt, map, 2, {spare, va}), Status::empty_slot);
    EXPECT_EQ(refused(pdpt, map, 2, {slot_endpoint, va}), Status::wrong_kind);
    EXPECT_EQ(refused(pdpt, map, 2, {slot_vspace, kernel_half}), Status::invalid_argument);
    EXPECT_EQ(refused(pdpt, map, 2, {slot_vspace, std::uint64_t{1} << 47}), Status::invalid_argument);
    EXPECT_EQ(refused(pd, map, 2, {slot_vspace, va}), Status::depth_mismatch);  // no PDPT above
    EXPECT_EQ(refused(pt, map, 2, {slot_vspace, va}), Status::depth_mismatch);
    // A guest's table is not a VSpace's.
    for (std::uint64_t table : {ept_pdpt, ept_pd, ept_pt}) {
        EXPECT_EQ(refused(table, map, 2, {slot_vspace, va}), Status::wrong_kind);
    }
    map_vspace_tables();
    EXPECT_EQ(refused(pt2, map, 2, {slot_vspace, va}), Status::slot_occupied);          // the entry is taken
    EXPECT_EQ(refused(pt2, map, 2, {slot_vspace, va + gib1}), Status::depth_mismatch);  // no directory
    EXPECT_EQ(refused(pt, map, 2, {slot_vspace, va + mib2}), Status::slot_occupied);    // the capability maps
    ok(pt2, map, {slot_vspace, va + mib2});
}

TEST_F(Frames, GuestMemoryMaps) {
    const auto map = Invocation::frame_map, table_map = Invocation::page_table_map;
    // A VSpace's table is not a guest's.
    for (std::uint64_t table : {pdpt, pd, pt}) {
        EXPECT_EQ(refused(table, table_map, 2, {guest, gpa}), Status::wrong_kind);
    }
    // Guest-physical addresses below 2^48; tables top down.
    EXPECT_EQ(refused(ept_pdpt, table_map, 2, {guest, std::uint64_t{1} << 48}), Status::invalid_argument);
    EXPECT_EQ(refused(ept_pdpt, table_map, 2, {guest, ~std::uint64_t{0}}), Status::invalid_argument);
    EXPECT_EQ(refused(ept_pd, table_map, 2, {guest, gpa}), Status::depth_mismatch);
    EXPECT_EQ(refused(ept_pt, table_map, 2, {guest, gpa}), Status::depth_mismatch);
    EXPECT_EQ(refused(frame, map, 3, {guest, gpa, 1}), Status::depth_mismatch);
    EXPECT_EQ(refused(large, map, 3, {guest, 0, 1}), Status::depth_mismatch);
    ok(ept_pdpt, table_map, {guest, gpa});
    EXPECT_EQ(refused(ept_pt, table_map, 2, {guest, gpa}), Status::depth_mismatch);  // no directory yet
    ok(ept_pd, table_map, {guest, gpa});
    ok(ept_pt, table_map, {guest, gpa});
    EXPECT_EQ(refused(ept_pt2, table_map, 2, {guest, gpa}), Status::slot_occupied);
    EXPECT_EQ(refused(ept_pt, table_map, 2, {guest, gpa + mib2}), Status::slot_occupied);  // the capability maps
    EXPECT_EQ(refused(ept_pt2, table_map, 2, {guest, gpa + gib1}), Status::depth_mismatch);
    // Frames: aligned, below 2^48, rights as for a VSpace.
    EXPECT_EQ(refused(frame, map, 2, {guest, gpa, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {guest, gpa + 8, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {guest, (std::uint64_t{1} << 48) + gpa, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(large, map, 3, {guest, gib1 + kib4, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(frame, map, 3, {guest, gpa, 0x20}), Status::invalid_argument);
    EXPECT_EQ(refused(read_only, map, 3, {guest, gpa, 0x2}), Status::insufficient_rights);
    EXPECT_EQ(refused(read_only, map, 3, {guest, gpa, 0x10}), Status::insufficient_rights);
    EXPECT_EQ(refused(large, map, 3, {guest, gib1, 1}), Status::slot_occupied);  // the page table's entry
    EXPECT_EQ(refused(frame, map, 3, {guest, gpa + gib1, 1}), Status::depth_mismatch);
    ok(frame, map, {guest, gpa, 3});
    EXPECT_EQ(refused(frame2, map, 3, {guest, gpa, 1}), Status::slot_occupied);
    EXPECT_EQ(refused(frame, map, 3, {guest, gpa + kib4, 1}), Status::slot_occupied);  // the capability maps
    EXPECT_EQ(refused(frame, map, 3, {slot_vspace, va, 1}), Status::slot_occupied);
}

// The entries the hardware walks: tables link with all access (the leaf
// decides), a leaf has read always, write and execute as asked, write-back
// memory, and a 2 MiB page its size bit.
TEST_F(Frames, GuestMappingsLandInTheEpt) {
    constexpr std::uint64_t all_access = 0x7, write_back = 6 << 3, large_page = 1 << 7;
    map_guest_tables();
    EXPECT_EQ(ept_entry(gpa, 4), phys(ept_pdpt) | all_access);
    EXPECT_EQ(ept_entry(gpa, 3), phys(ept_pd) | all_access);
    EXPECT_EQ(ept_entry(gpa, 2), phys(ept_pt) | all_access);
    EXPECT_EQ(ept_entry(gpa, 1), 0u);
    struct Case {
        std::uint64_t rights, access;
    };
    for (const Case c : {Case{0x0, 0x1}, Case{0x1, 0x1}, Case{0x2, 0x3}, Case{0x10, 0x5}, Case{0x13, 0x7}}) {
        ok(frame, Invocation::frame_map, {guest, gpa, c.rights});
        EXPECT_EQ(ept_entry(gpa, 1), phys(frame) | write_back | c.access) << "rights " << c.rights;
        EXPECT_EQ(ept_entry(gpa + kib4, 1), 0u);
        ok(frame, Invocation::frame_unmap, {});
        EXPECT_EQ(ept_entry(gpa, 1), 0u);
    }
    const std::uint64_t large_gpa = gib1 + mib2;  // the directory's next entry
    ok(large, Invocation::frame_map, {guest, large_gpa, 0x11});
    EXPECT_EQ(ept_entry(large_gpa, 2), phys(large) | large_page | write_back | 0x5);
    EXPECT_EQ(ept_entry(gpa, 2), phys(ept_pt) | all_access);
    ok(large, Invocation::frame_unmap, {});
    EXPECT_EQ(ept_entry(large_gpa, 2), 0u);
    EXPECT_FALSE(sys.kernel().mapping_alive(sys.slot(large).cap));
}

// A 2 MiB frame in a VSpace is a page-directory entry with the size bit,
// user-accessible, with the rights asked for (as a cell's VMM maps its
// guest's RAM), beside the page table that maps 4 KiB pages.
TEST_F(Frames, LargeFramesLandInAVSpaceDirectory) {
    namespace pte = septum::abi::x86::pte;
    map_vspace_tables();
    const std::uint64_t large_va = va + mib2;  // the directory's next entry
    ok(large, Invocation::frame_map, {slot_vspace, large_va, 0x3});
    EXPECT_EQ(vspace_entry(large_va, 2), phys(large) | pte::present | pte::user | pte::write | pte::large | pte::nx);
    EXPECT_EQ(vspace_entry(va, 2), phys(pt) | pte::present | pte::write | pte::user);
    ok(large, Invocation::frame_unmap, {});
    EXPECT_EQ(vspace_entry(large_va, 2), 0u);
    ok(large, Invocation::frame_map, {slot_vspace, large_va, 0x11});
    EXPECT_EQ(vspace_entry(large_va, 2), phys(large) | pte::present | pte::user | pte::large);
    ok(slot_cnode, Invocation::cnode_delete, {large, 64});
    EXPECT_EQ(vspace_entry(large_va, 2), 0u);
}

// Revoking a copy, or deleting a capability, takes away what it mapped and
// only that; a table's capability takes its table out of the walk.
TEST_F(Frames, GuestMappingsGoWithTheirCapabilities) {
    map_guest_tables();
    ok(frame, Invocation::frame_map, {guest, gpa, 3});
    ok(slot_cnode, Invocation::cnode_copy, {frame, 64, spare, 64});
    EXPECT_EQ(refused(spare, Invocation::frame_map, 3, {guest, gpa, 3}), Status::slot_occupied);
    ok(spare, Invocation::frame_map, {guest, gpa + kib4, 1});
    EXPECT_EQ(ept_entry(gpa + kib4, 1) & ~std::uint64_t{0xfff}, phys(frame));
    ok(slot_cnode, Invocation::cnode_revoke, {frame, 64});
    EXPECT_TRUE(sys.slot(spare).empty());
    EXPECT_EQ(ept_entry(gpa + kib4, 1), 0u);
    EXPECT_EQ(ept_entry(gpa, 1) & ~std::uint64_t{0xfff}, phys(frame));
    ok(large, Invocation::frame_map, {guest, gib1 + mib2, 1});
    ok(slot_cnode, Invocation::cnode_delete, {large, 64});
    EXPECT_EQ(ept_entry(gib1 + mib2, 2), 0u);
    ok(slot_cnode, Invocation::cnode_delete, {ept_pt, 64});
    EXPECT_EQ(ept_entry(gpa, 2), 0u);
    EXPECT_EQ(ept_entry(gpa, 1), ~std::uint64_t{0});  // out of the walk
    // The frame's capability still records its mapping (unreachable now):
    // it is unmapped before it maps again, in a new table.
    EXPECT_EQ(refused(frame, Invocation::frame_map, 3, {guest, gpa, 3}), Status::slot_occupied);
    ok(frame, Invocation::frame_unmap, {});
    ok(ept_pt2, Invocation::page_table_map, {guest, gpa});
    ok(frame, Invocation::frame_map, {guest, gpa, 3});
    EXPECT_EQ(ept_entry(gpa, 1) & ~std::uint64_t{0xfff}, phys(frame));
}

}  // namespace
