#include "description/need.hpp"

#include <cstddef>

#include "description/check.hpp"
#include "description/layout.hpp"
#include "septum/caps/object_kind.hpp"

namespace septum::roottask::description {

namespace {

using caps::ObjectKind;
constexpr std::uint64_t page = user::page_size;
constexpr unsigned page_shift = 12;
constexpr std::uint64_t gib = std::uint64_t{1} << 30;
static_assert(max_guest_ram < (std::uint64_t{1} << guest_ram_limit_bits),
              "guest RAM's Untypeds are counted below 4 GiB");
static_assert(layout::vmm_guest_ram % large_frame == 0, "the VMM maps guest RAM with 2 MiB pages");
static_assert(alignment_allowance(page) == 0, "alignment_allowance splits at the page size");

constexpr std::uint64_t pages(std::uint64_t bytes) { return (bytes + page - 1) / page; }

// Page ranges [start, end) of the VMM's address space, each mapped with
// pages of 2^leaf_shift bytes.
class Ranges {
public:
    void add(std::uint64_t start, std::uint64_t end, unsigned leaf_shift = page_shift) {
        if (start < end && count_ < max) {
            start_[count_] = start;
            end_[count_] = end;
            leaf_[count_] = leaf_shift;
            ++count_;
        }
    }

    // How many naturally aligned regions of 2^shift bytes the ranges
    // mapped with smaller pages touch: the paging structures of the level
    // that covers such a region.
    [[nodiscard]] std::uint64_t regions(unsigned shift) const {
        std::uint64_t first[max] = {}, last[max] = {};
        std::size_t n = 0;
        for (std::size_t i = 0; i < count_; ++i) {  // sorted by first region, by insertion
            if (leaf_[i] >= shift) {
                continue;  // its pages are this level's entries: no structure below
            }
            std::size_t j = n++;
            for (; j > 0 && first[j - 1] > start_[i] >> shift; --j) {
                first[j] = first[j - 1];
                last[j] = last[j - 1];
            }
            first[j] = start_[i] >> shift;
            last[j] = (end_[i] - 1) >> shift;
        }
        std::uint64_t regions = 0, covered_to = 0;  // regions below covered_to are counted
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t from = first[i] > covered_to ? first[i] : covered_to;
            if (last[i] + 1 > from) {
                regions += last[i] + 1 - from;
                covered_to = last[i] + 1;
            }
        }
        return regions;
    }

private:
    static constexpr std::size_t max = elf::max_segments + 15;  // the segments and cell_need's fifteen others
    std::uint64_t start_[max] = {}, end_[max] = {};
    unsigned leaf_[max] = {};
    std::size_t count_ = 0;
};

// Counts objects into a need: their bytes under one use, one slot each,
// and the alignment they can cost. A bump allocator with natural alignment
// leaves a gap before an object only if the one before it was smaller
// (the watermark after an object is a multiple of its size), and the gap is
// at most the difference of the two sizes. Split at a page, each such
// difference is at most (page - smaller one) + (larger one - page), and
// each object is the smaller of at most one such pair and the larger of at
// most one: so the gaps add up to at most the sum over the objects of how
// far each is from a page (alignment_allowance).
class Tally {
public:
    explicit Tally(CellNeed& need) : need_(need) {}

    void add(std::uint64_t CellNeed::*use, ObjectKind kind, std::uint64_t count, std::uint64_t size_arg = 0) {
        const std::uint64_t size = std::uint64_t{1} << caps::retype_size_bits(kind, size_arg);
        need_.*use += count * size;
        need_.cell_slots += count;
        need_.alignment += count * alignment_allowance(size);
    }
    // Copies of capabilities (a frame mapped in two places, a CNode's
    // guarded alias): slots, no memory.
    void copies(std::uint64_t count) { need_.cell_slots += count; }
    // Objects made from another Untyped: slots only.
    void frames_elsewhere(std::uint64_t count) { need_.cell_slots += count; }

private:
    CellNeed& need_;
};

std::uint64_t program_pages(const elf::Image& vmm, Ranges& ranges) {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < vmm.segment_count; ++i) {
        const elf::Segment& s = vmm.segments[i];
        const std::uint64_t first = s.vaddr & ~(page - 1);
        n += pages(s.vaddr + s.mem_size - first);
        ranges.add(first, s.vaddr + s.mem_size);
    }
    return n;
}

// The VMM's paging structures for every range it maps (its PML4 is
// counted with the objects).
void count_page_tables(const Ranges& ranges, Tally& t) {
    t.add(&CellNeed::page_tables, ObjectKind::page_table, ranges.regions(21));
    t.add(&CellNeed::page_tables, ObjectKind::page_directory, ranges.regions(30));
    t.add(&CellNeed::page_tables, ObjectKind::pdpt, ranges.regions(39));
}

void map_module(const SharedModule& m, std::uint64_t base, Tally& t, Ranges& ranges) {
    if (m.bytes == 0) {
        return;
    }
    const ModuleFrames f = module_frames(m.offset, m.bytes);
    t.copies(f.count());
    const std::uint64_t start = base + (m.offset & (large_frame - 1)), large_start = start + f.head * page;
    const std::uint64_t tail_start = large_start + f.large * large_frame;
    ranges.add(start, large_start);
    ranges.add(large_start, tail_start, large_frame_bits);
    ranges.add(tail_start, tail_start + f.tail * page);
}

}  // namespace

ModuleFrames module_frames(std::uint64_t offset, std::uint64_t bytes) {
    ModuleFrames f;
    const std::uint64_t in_region = offset & (large_frame - 1);
    const std::uint64_t to_boundary = in_region == 0 ? 0 : large_frame - in_region;
    if (bytes < to_boundary + large_frame) {
        f.head = pages(bytes);  // no whole 2 MiB frame fits
        return f;
    }
    f.head = to_boundary / page;
    f.large = (bytes - to_boundary) / large_frame;
    f.tail = pages(bytes - to_boundary - f.large * large_frame);
    return f;
}

CellNeed cell_need(const CellParts& parts) {
    CellNeed need;
    Tally t(need);
    Ranges ranges;
    // The VMM's program, address space and CSpace (load_program).
    t.add(&CellNeed::objects, ObjectKind::pml4, 1);
    t.add(&CellNeed::objects, ObjectKind::cnode, 1, layout::program_cnode_radix);
    t.copies(1);  // the CNode's guarded copy, the VMM's CSpace root
    t.add(&CellNeed::program, ObjectKind::frame_4k, program_pages(*parts.vmm, ranges));
    // Guest RAM (make_guest_ram): 2 MiB frames from Untypeds of their own,
    // then 4 KiB frames, each also mapped in the VMM; the EPT's root, PDPT,
    // a page directory for each GiB and a page table for the 4 KiB frames.
    const std::uint64_t ram = parts.guest_ram_pages * page;
    need.large_ram = ram & ~(large_frame - 1);
    const std::uint64_t small_pages = (ram - need.large_ram) / page;
    t.add(&CellNeed::page_tables, ObjectKind::guest_memory, 1);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pdpt, 1);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pd, (ram + gib - 1) / gib);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pt, small_pages != 0 ? 1 : 0);
    t.add(&CellNeed::guest_ram, ObjectKind::frame_4k, small_pages);
    t.frames_elsewhere(need.large_ram / large_frame);
    t.copies(need.large_ram / large_frame + small_pages);
    ranges.add(layout::vmm_guest_ram, layout::vmm_guest_ram + need.large_ram, large_frame_bits);
    ranges.add(layout::vmm_guest_ram + need.large_ram, layout::vmm_guest_ram + ram);
    // The VMM's read-only copy of the image.
    t.add(&CellNeed::image, ObjectKind::frame_4k, pages(parts.image_bytes));
    ranges.add(layout::vmm_image, layout::vmm_image + pages(parts.image_bytes) * page);
    // A Linux kernel's and initrd's module frames, each mapped in the VMM
    // through a copy.
    map_module(parts.kernel, layout::vmm_image, t, ranges);
    map_module(parts.initrd, layout::vmm_initrd, t, ranges);
    // The VCPU; its state page, the console ring, the input ring and the
    // CellInfo page, each mapped in the VMM through a copy; the
    // Notification bound to the VMM's thread (the root task keeps the
    // original, the VMM's is minted into its CNode: no root slot).
    t.add(&CellNeed::objects, ObjectKind::vcpu, 1);
    t.add(&CellNeed::objects, ObjectKind::frame_4k, 4);
    t.copies(4);
    t.add(&CellNeed::objects, ObjectKind::notification, 1);
    ranges.add(layout::vmm_cell_info, layout::vmm_cell_info + page);
    ranges.add(layout::vmm_state_page, layout::vmm_state_page + page);
    ranges.add(layout::vmm_console, layout::vmm_console + page);
    ranges.add(layout::vmm_input, layout::vmm_input + page);
    // A Linux cell's frames for APIC virtualization: the virtual-APIC
    // page, mapped in the VMM through a copy, and the APIC-access page in
    // the EPT at 0xFEE00000, below which no guest RAM reaches: a page
    // directory and a page table of its own.
    if (parts.apic_pages) {
        t.add(&CellNeed::objects, ObjectKind::frame_4k, 2);
        t.copies(1);
        t.add(&CellNeed::page_tables, ObjectKind::ept_pd, 1);
        t.add(&CellNeed::page_tables, ObjectKind::ept_pt, 1);
        ranges.add(layout::vmm_apic_page, layout::vmm_apic_page + page);
    }
    // The VMM's thread: TCB, stack and IPC buffer (any window takes the
    // same tables: layout.hpp).
    t.add(&CellNeed::objects, ObjectKind::tcb, 1);
    t.add(&CellNeed::objects, ObjectKind::frame_4k, user::thread_stack_pages + 1);
    const std::uint64_t top = user::thread_stack_top(0);
    ranges.add(top - user::thread_stack_pages * page, top);
    ranges.add(top + user::ipc_buffer_offset, top + user::ipc_buffer_offset + page);
    if (parts.sched_context) {
        t.add(&CellNeed::objects, ObjectKind::sched_context, 1);
    }
    count_page_tables(ranges, t);
    need.bytes = need.guest_ram + need.image + need.program + need.page_tables + need.objects + need.alignment;
    need.untyped_bits = 12;
    while (need.untyped_bytes() < need.bytes) {
        ++need.untyped_bits;
    }
    return need;
}

unsigned CellNeed::untyped_count() const {
    unsigned n = 1;
    for (std::uint64_t rest = large_ram; rest != 0; rest &= rest - 1) {
        ++n;
    }
    return n;
}

std::uint8_t CellNeed::untyped_size_bits(unsigned i) const {
    if (i == 0) {
        return untyped_bits;
    }
    for (std::uint8_t bits = guest_ram_limit_bits; bits-- > large_frame_bits;) {
        if ((large_ram >> bits & 1) != 0 && --i == 0) {
            return bits;
        }
    }
    return 0;
}

bool read_program(const std::uint8_t* bytes, std::uint64_t size, elf::Image& out) {
    return elf::parse(bytes, size, layout::program_min, layout::program_max, out) == elf::Error::none;
}

}  // namespace septum::roottask::description
