// The PVH boot of an uncompressed vmlinux (Xen's start_info.h, "PVH boot
// ABI"; Linux arch/x86/platform/pvh): the ELF's loadable segments at their
// physical addresses, an hvm_start_info (version 1: with the memory map)
// and the 32-bit entry the kernel names in its XEN_ELFNOTE_PHYS32_ENTRY.
#include <septum/lib/elf.hpp>
#include <septum/vmm/linux.hpp>
#include <septum/vmm/linux_layout.hpp>

namespace septum::vmm {

namespace {

using linux_boot::Range;

// A vmlinux has five program headers, four of them loadable.
constexpr std::size_t max_segments = 16;

struct Segment {
    std::uint64_t offset, filesz;
    Range memory;
};

struct Kernel {
    Segment segments[max_segments];
    std::size_t count;
    std::uint32_t entry;
    Range extent;  // from the lowest segment's base to the highest's end
};

LinuxError from_elf(elf::Error e) {
    switch (e) {
        case elf::Error::none:
            return LinuxError::ok;
        case elf::Error::bad_magic:
        case elf::Error::not_x86_64_executable:
            return LinuxError::not_elf64;
        case elf::Error::no_note:
            return LinuxError::no_pvh_entry;
        case elf::Error::bad_program_headers:
            return LinuxError::bad_program_headers;
        default:  // too small, a note past the end
            return LinuxError::truncated;
    }
}

// One PT_LOAD segment: inside the file, inside RAM below 4 GiB (the entry
// runs with paging off), clear of the others and of the boot data.
LinuxError add_segment(Image image, const MemoryMap& map, const elf::ProgramHeader& ph, Kernel& k) {
    if (k.count == max_segments) {
        return LinuxError::too_many_segments;
    }
    if (ph.filesz > ph.memsz || ph.memsz > ~std::uint64_t{0} - ph.paddr) {
        return LinuxError::bad_segment;
    }
    if (ph.offset > image.size || ph.filesz > image.size - ph.offset) {
        return LinuxError::truncated;
    }
    const Range r{ph.paddr, ph.memsz};
    if (r.base + r.size > linux_boot::four_gib || !linux_boot::in_ram(map, r)) {
        return LinuxError::segment_outside_ram;
    }
    if (linux_boot::overlaps(r, Range{linux_boot::gdt, linux_boot::end - linux_boot::gdt})) {
        return LinuxError::segments_overlap;
    }
    for (std::size_t i = 0; i < k.count; ++i) {
        if (linux_boot::overlaps(r, k.segments[i].memory)) {
            return LinuxError::segments_overlap;
        }
    }
    k.segments[k.count++] = Segment{ph.offset, ph.filesz, r};
    return LinuxError::ok;
}

// The entry from the note: 4 or 8 bytes, below 4 GiB, in a segment's file
// bytes (code, not BSS).
LinuxError read_entry(Image image, const elf::Header& h, Kernel& k) {
    elf::Note note{};
    const elf::Error e = elf::find_note(image.bytes, image.size, h, pvh::note_owner, pvh::note_phys32_entry, note);
    if (e != elf::Error::none) {
        return from_elf(e);
    }
    std::uint64_t entry = 0;
    if (note.size == 4) {
        std::uint32_t narrow = 0;
        (void)read_le(image, note.offset, narrow);  // find_note checked the bounds
        entry = narrow;
    } else if (note.size != 8 || !read_le(image, note.offset, entry)) {
        return LinuxError::bad_pvh_entry;
    }
    for (std::size_t i = 0; i < k.count; ++i) {
        const Segment& s = k.segments[i];
        if (entry >= s.memory.base && entry - s.memory.base < s.filesz) {
            k.entry = static_cast<std::uint32_t>(entry);  // segments end below 4 GiB
            return LinuxError::ok;
        }
    }
    return LinuxError::bad_pvh_entry;
}

LinuxError read_kernel(Image image, const MemoryMap& map, Kernel& k) {
    elf::Header h{};
    const elf::Error e = elf::read_header(image.bytes, image.size, h);
    static constexpr std::uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    std::uint32_t first = 0, want = 0;
    (void)read_le(Image{magic, sizeof magic}, 0, want);
    if (e == elf::Error::too_small && (!read_le(image, 0, first) || first != want)) {
        return LinuxError::not_elf64;  // too short to be an ELF header, and not the start of one
    }
    SEPTUM_TRY_LINUX(from_elf(e));
    for (std::uint16_t i = 0; i < h.phnum; ++i) {
        const elf::ProgramHeader ph = elf::program_header(image.bytes, h, i);
        if (ph.type == elf::pt_load && ph.memsz != 0) {
            SEPTUM_TRY_LINUX(add_segment(image, map, ph, k));
        }
    }
    if (k.count == 0) {
        return LinuxError::no_segments;
    }
    std::uint64_t low = ~std::uint64_t{0}, high = 0;
    for (std::size_t i = 0; i < k.count; ++i) {
        const Range& r = k.segments[i].memory;
        low = r.base < low ? r.base : low;
        high = r.base + r.size > high ? r.base + r.size : high;
    }
    // Linux reserves its image from the first segment to the end of the
    // last, gaps included: the boot data and the initrd stay out of it.
    k.extent = Range{low, high - low};
    if (linux_boot::overlaps(k.extent, Range{linux_boot::gdt, linux_boot::end - linux_boot::gdt})) {
        return LinuxError::segments_overlap;
    }
    return read_entry(image, h, k);
}

// hvm_start_info, then its one module (the initrd), then the memory map.
constexpr std::uint64_t module_list = linux_boot::info + pvh::start_info::size;
constexpr std::uint64_t memory_map = module_list + pvh::module::size;
static_assert(memory_map + max_memory_regions * pvh::memmap::size <= linux_boot::command_line);

Status write_start_info(GuestMemory& memory, const LinuxOptions& o, const LinuxPlacement& p) {
    using linux_boot::write_le;
    namespace si = pvh::start_info;
    const std::uint64_t base = linux_boot::info;
    SEPTUM_TRY(memory.zero(base, memory_map - base));
    SEPTUM_TRY(write_le(memory, base + si::magic, si::magic_value, 4));
    SEPTUM_TRY(write_le(memory, base + si::version, si::version_value, 4));
    if (p.initrd_size != 0) {
        SEPTUM_TRY(write_le(memory, base + si::nr_modules, 1, 4));
        SEPTUM_TRY(write_le(memory, base + si::modlist_paddr, module_list, 8));
        SEPTUM_TRY(write_le(memory, module_list + pvh::module::paddr, p.initrd_base, 8));
        SEPTUM_TRY(write_le(memory, module_list + pvh::module::size_field, p.initrd_size, 8));
    }
    SEPTUM_TRY(write_le(memory, base + si::cmdline_paddr, p.command_line, 8));
    SEPTUM_TRY(write_le(memory, base + si::memmap_paddr, memory_map, 8));
    SEPTUM_TRY(write_le(memory, base + si::memmap_entries, o.map.count, 4));
    for (std::size_t i = 0; i < o.map.count; ++i) {
        const MemoryRegion& r = o.map.regions[i];
        const std::uint64_t at = memory_map + i * pvh::memmap::size;
        SEPTUM_TRY(write_le(memory, at, r.base, 8));
        SEPTUM_TRY(write_le(memory, at + 8, r.size, 8));
        SEPTUM_TRY(write_le(memory, at + 16, static_cast<std::uint32_t>(r.type), 8));  // and the reserved word
    }
    return Status::ok;
}

Status write_all(GuestMemory& memory, Image image, const LinuxOptions& o, const Kernel& k, const LinuxPlacement& p,
                 std::uint64_t command_line_length) {
    for (std::size_t i = 0; i < k.count; ++i) {
        const Segment& s = k.segments[i];
        SEPTUM_TRY(memory.write(s.memory.base, image.bytes + s.offset, s.filesz));
        SEPTUM_TRY(memory.zero(s.memory.base + s.filesz, s.memory.size - s.filesz));
    }
    if (p.initrd_size != 0) {
        SEPTUM_TRY(memory.write(p.initrd_base, o.initrd.bytes, p.initrd_size));
    }
    SEPTUM_TRY(linux_boot::write_gdt(memory));
    SEPTUM_TRY(linux_boot::write_command_line(memory, o.command_line, command_line_length));
    return write_start_info(memory, o, p);
}

}  // namespace

LinuxLoad load_linux_pvh(GuestMemory& memory, Image vmlinux, const LinuxOptions& options) {
    LinuxLoad out{};
    out.error = linux_boot::check_map(memory, options.map);
    // Linux copies at most COMMAND_LINE_SIZE (2048) bytes, the NUL included.
    constexpr std::uint64_t command_line_max = 2047;
    std::uint64_t length = 0;
    if (out.ok()) {
        out.error = linux_boot::command_line_length(options.command_line, command_line_max, length);
    }
    Kernel k{};
    if (out.ok()) {
        out.error = read_kernel(vmlinux.bytes == nullptr ? Image{nullptr, 0} : vmlinux, options.map, k);
    }
    if (!out.ok()) {
        return out;
    }
    LinuxPlacement& p = out.placement;
    p = LinuxPlacement{k.extent.base,    k.extent.base + k.extent.size, 0,      0,
                       linux_boot::info, linux_boot::command_line,      k.entry};
    if (options.initrd.size != 0) {
        const Range avoid[2] = {k.extent, Range{linux_boot::gdt, linux_boot::end - linux_boot::gdt}};
        if (options.initrd.bytes == nullptr ||
            !linux_boot::place_high(options.map, options.initrd.size, linux_boot::four_gib, avoid, 2, p.initrd_base)) {
            out.error = LinuxError::initrd_does_not_fit;
            return out;
        }
        p.initrd_size = options.initrd.size;
    }
    out.error = linux_boot::from_status(write_all(memory, vmlinux, options, k, p, length));
    if (out.ok()) {
        out.state = linux_boot::pvh_entry(k.entry, static_cast<std::uint32_t>(linux_boot::info));
    }
    return out;
}

}  // namespace septum::vmm
