// What building a cell takes, known before it is built: the bytes of its
// Untypeds and the slots of the root task's CNode for its capabilities.
// A cell is built from Untypeds of its own: its guest RAM in 2 MiB frames
// comes from one Untyped per set bit of that RAM's size (so a 256 MiB
// guest takes exactly one of 256 MiB, a 384 MiB one two: nothing is lost
// to rounding), and everything else - kernel objects, the VMM's program
// and tables, a guest RAM remainder below 2 MiB in 4 KiB frames - from
// one more, the least power of two that holds it. The objects counted are
// those roottask/cells/cell.cpp makes, the page tables those its mappings
// at the addresses of layout.hpp take, and the most natural alignment can
// leave between them. The root task cuts each cell's Untypeds to these
// sizes and checks the whole description against the machine (fit.hpp)
// before it builds anything; tools/sysgen prints it at build time.
// Portable.
#pragma once

#include <cstdint>

#include "septum/abi/cell.hpp"
#include "septum/lib/elf.hpp"

namespace septum::roottask::description {

inline constexpr std::uint64_t max_image_bytes = std::uint64_t{1} << 20;  // a guest image the VMM keeps a copy of
// A Linux kernel and its initrd are not copied: the VMM maps the boot
// module's own frames, read-only and shared by every cell that names them.
inline constexpr std::uint64_t max_kernel_bytes = std::uint64_t{256} << 20;
inline constexpr std::uint64_t max_initrd_bytes = std::uint64_t{1} << 30;

// The largest guest image of a kind: a Linux kernel is shared, any other
// image is copied.
constexpr std::uint64_t max_image_bytes_for(abi::ImageKind kind) {
    return abi::is_linux(kind) ? max_kernel_bytes : max_image_bytes;
}

// Guest RAM is made of 2 MiB frames, mapped as 2 MiB pages in the EPT and
// in the VMM, up to the last 2 MiB boundary; 4 KiB frames make the rest.
inline constexpr std::uint8_t large_frame_bits = 21;
inline constexpr std::uint64_t large_frame = std::uint64_t{1} << large_frame_bits;
// Guest RAM is below 4 GiB (check.hpp's max_guest_ram says how far), so
// its 2 MiB part has at most 11 set bits: with the cell's own Untyped, a
// cell is built from at most 12 Untypeds.
inline constexpr std::uint8_t guest_ram_limit_bits = 32;
inline constexpr unsigned max_ram_untypeds = guest_ram_limit_bits - large_frame_bits;
inline constexpr unsigned max_cell_untypeds = 1 + max_ram_untypeds;

// A boot module's frames (abi::ModuleDescription): 4 KiB ones up to the
// first 2 MiB boundary, 2 MiB ones while a whole one fits, 4 KiB ones for
// the rest. `offset` is where the module starts within its 2 MiB region.
struct ModuleFrames {
    std::uint64_t head = 0, large = 0, tail = 0;  // counts
    [[nodiscard]] std::uint64_t count() const { return head + large + tail; }
};
ModuleFrames module_frames(std::uint64_t offset, std::uint64_t bytes);
// Where a module starts when the boot loader's placement is not known
// (sysgen): the offset that costs the most 4 KiB frames.
inline constexpr std::uint64_t worst_module_offset = 4096;

// A boot module the VMM maps as it is (a Linux kernel or initrd).
struct SharedModule {
    std::uint64_t offset = 0;  // its start within its 2 MiB region
    std::uint64_t bytes = 0;   // 0: none
};

// The facts a cell's need follows from.
struct CellParts {
    std::uint64_t guest_ram_pages = 0;      // 4 KiB pages
    std::uint64_t image_bytes = 0;          // the guest image the VMM keeps a read-only copy of (0 for a Linux kernel)
    const elf::Image* vmm = nullptr;        // the VMM program's loadable segments
    bool sched_context = true;              // the cell runs on a SchedContext of its own
    SharedModule kernel = {}, initrd = {};  // Linux images, mapped at layout::vmm_image and vmm_initrd
    bool apic_pages = false;                // Linux: the APIC-virtualization frames (cells/apic_pages.hpp)
};

struct CellNeed {
    // Guest RAM in 2 MiB frames, from Untypeds of their own: one of 2^b
    // bytes for each set bit b (b >= large_frame_bits).
    std::uint64_t large_ram = 0;
    // Bytes of the cell's own Untyped by use.
    std::uint64_t guest_ram = 0;  // the guest RAM past the last 2 MiB boundary, in 4 KiB frames
    std::uint64_t image = 0;
    std::uint64_t program = 0;      // the VMM program's loaded pages
    std::uint64_t page_tables = 0;  // the VMM's paging structures and the guest's EPT
    std::uint64_t objects = 0;      // PML4, CNode, VCPU, TCB, SchedContext, wake Notification, stack, IPC buffer,
                                    // state, console, input, CellInfo
    std::uint64_t alignment = 0;    // the most natural alignment can leave unused between them
    std::uint64_t bytes = 0;        // the sum: what the cell's own Untyped must hold
    std::uint8_t untyped_bits = 0;  // log2 of that Untyped: the least power of two holding `bytes`
    // Slots of the root task's CNode: one for each object and each copy
    // of a capability the cell's allocator hands out (cell_slots) ...
    std::uint64_t cell_slots = 0;
    // ... and all the slots building it takes from the root task, with
    // those beside the cell's range: its Untypeds and a staging frame.
    [[nodiscard]] std::uint64_t root_slots() const { return cell_slots + untyped_count() + 1; }
    [[nodiscard]] std::uint64_t untyped_bytes() const { return std::uint64_t{1} << untyped_bits; }
    // All its Untypeds together.
    [[nodiscard]] std::uint64_t all_untyped_bytes() const { return untyped_bytes() + large_ram; }
    // Its own Untyped and the guest RAM's.
    [[nodiscard]] unsigned untyped_count() const;
    // log2 of the size of its Untyped number i (< untyped_count()): 0 is
    // its own, then the guest RAM's, largest first (the 2 MiB frames at
    // guest-physical 0 on come from them in this order).
    [[nodiscard]] std::uint8_t untyped_size_bits(unsigned i) const;
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
