#include "description/need.hpp"

#include <cstddef>

#include "description/layout.hpp"
#include "septum/caps/object_kind.hpp"

namespace septum::roottask::description {

namespace {

using caps::ObjectKind;
constexpr std::uint64_t page = user::page_size;
static_assert(alignment_allowance(page) == 0, "alignment_allowance splits at the page size");

constexpr std::uint64_t pages(std::uint64_t bytes) { return (bytes + page - 1) / page; }

// Page ranges [start, end) of the VMM's address space.
class Ranges {
public:
    void add(std::uint64_t start, std::uint64_t end) {
        if (start < end && count_ < max) {
            start_[count_] = start;
            end_[count_] = end;
            ++count_;
        }
    }

    // How many naturally aligned regions of 2^shift bytes the ranges touch:
    // the paging structures of the level that covers such a region.
    [[nodiscard]] std::uint64_t regions(unsigned shift) const {
        std::uint64_t first[max] = {}, last[max] = {};
        for (std::size_t i = 0; i < count_; ++i) {  // sorted by first region, by insertion
            std::size_t j = i;
            for (; j > 0 && first[j - 1] > start_[i] >> shift; --j) {
                first[j] = first[j - 1];
                last[j] = last[j - 1];
            }
            first[j] = start_[i] >> shift;
            last[j] = (end_[i] - 1) >> shift;
        }
        std::uint64_t n = 0, covered_to = 0;  // regions below covered_to are counted
        for (std::size_t i = 0; i < count_; ++i) {
            const std::uint64_t from = first[i] > covered_to ? first[i] : covered_to;
            if (last[i] + 1 > from) {
                n += last[i] + 1 - from;
                covered_to = last[i] + 1;
            }
        }
        return n;
    }

private:
    static constexpr std::size_t max = elf::max_segments + 8;  // the segments and cell_need's seven others
    std::uint64_t start_[max] = {}, end_[max] = {};
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

}  // namespace

CellNeed cell_need(const CellParts& parts) {
    CellNeed need;
    Tally t(need);
    Ranges ranges;
    // The VMM's program, address space and CSpace (load_program).
    t.add(&CellNeed::objects, ObjectKind::pml4, 1);
    t.add(&CellNeed::objects, ObjectKind::cnode, 1, layout::program_cnode_radix);
    t.copies(1);  // the CNode's guarded copy, the VMM's CSpace root
    t.add(&CellNeed::program, ObjectKind::frame_4k, program_pages(*parts.vmm, ranges));
    // Guest RAM: the EPT and the frames, each also mapped in the VMM.
    t.add(&CellNeed::page_tables, ObjectKind::guest_memory, 1);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pdpt, 1);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pd, 1);
    t.add(&CellNeed::page_tables, ObjectKind::ept_pt, 1);
    t.add(&CellNeed::guest_ram, ObjectKind::frame_4k, parts.guest_ram_pages);
    t.copies(parts.guest_ram_pages);
    ranges.add(layout::vmm_guest_ram, layout::vmm_guest_ram + parts.guest_ram_pages * page);
    // The VMM's read-only copy of the image.
    t.add(&CellNeed::image, ObjectKind::frame_4k, pages(parts.image_bytes));
    ranges.add(layout::vmm_image, layout::vmm_image + pages(parts.image_bytes) * page);
    // The VCPU; its state page, the console ring and the CellInfo page,
    // each mapped in the VMM through a copy.
    t.add(&CellNeed::objects, ObjectKind::vcpu, 1);
    t.add(&CellNeed::objects, ObjectKind::frame_4k, 3);
    t.copies(3);
    ranges.add(layout::vmm_cell_info, layout::vmm_cell_info + page);
    ranges.add(layout::vmm_state_page, layout::vmm_state_page + page);
    ranges.add(layout::vmm_console, layout::vmm_console + page);
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

bool read_program(const std::uint8_t* bytes, std::uint64_t size, elf::Image& out) {
    return elf::parse(bytes, size, layout::program_min, layout::program_max, out) == elf::Error::none;
}

}  // namespace septum::roottask::description
