// The Linux/x86 64-bit boot protocol (Documentation/arch/x86/boot.rst,
// "64-bit Boot Protocol"): a bzImage's protected-mode part at its
// preferred or an aligned address with init_size bytes of room, a zero
// page (boot_params) holding the image's setup header, the e820 map, the
// command line and the initrd, and entry at startup_64 in long mode.
#include <septum/vmm/linux.hpp>
#include <septum/vmm/linux_layout.hpp>

namespace septum::vmm {

namespace {

using linux_boot::Range;
namespace hdr = bzimage::hdr;
namespace zp = bzimage::zero_page;

static_assert(max_memory_regions <= zp::e820_max);

struct Setup {
    std::uint64_t setup_size;  // the real-mode part, boot sector included: the code follows it
    std::uint64_t code_size;
    std::uint64_t header_end;  // the setup header is [0x1f1, header_end) of the image
    std::uint64_t pref_address;
    std::uint32_t kernel_alignment, init_size, initrd_addr_max, cmdline_size;
    std::uint16_t xloadflags;
    std::uint8_t loadflags, relocatable;
};

// The marks of a boot header: boot flag, the short jump over the header,
// "HdrS"; then a protocol with the 64-bit entry.
LinuxError read_identity(Image image, std::uint64_t& header_end) {
    std::uint16_t flag = 0, version = 0;
    std::uint8_t jump = 0, offset = 0;
    std::uint32_t magic = 0;
    if (!read_le(image, hdr::boot_flag, flag) || !read_le(image, hdr::jump, jump) ||
        !read_le(image, hdr::jump + 1, offset) || !read_le(image, hdr::header, magic) || flag != hdr::boot_flag_value ||
        jump != hdr::short_jump || magic != hdr::header_value) {
        return LinuxError::not_bzimage;
    }
    if (!read_le(image, hdr::version, version)) {
        return LinuxError::truncated;
    }
    if (version < hdr::version_64bit_entry) {
        return LinuxError::protocol_too_old;
    }
    // A forward jump: the header ends where it lands (the offset is signed).
    header_end = hdr::jump + 2 + offset;
    return offset < 0x80 ? LinuxError::ok : LinuxError::bad_setup_header;
}

LinuxError read_fields(Image image, Setup& s) {
    std::uint8_t sects = 0;
    std::uint32_t syssize = 0;
    const bool read =
        read_le(image, hdr::setup_sects, sects) && read_le(image, hdr::syssize, syssize) &&
        read_le(image, hdr::loadflags, s.loadflags) && read_le(image, hdr::initrd_addr_max, s.initrd_addr_max) &&
        read_le(image, hdr::kernel_alignment, s.kernel_alignment) &&
        read_le(image, hdr::relocatable_kernel, s.relocatable) && read_le(image, hdr::xloadflags, s.xloadflags) &&
        read_le(image, hdr::cmdline_size, s.cmdline_size) && read_le(image, hdr::pref_address, s.pref_address) &&
        read_le(image, hdr::init_size, s.init_size);
    if (!read) {
        return LinuxError::truncated;
    }
    s.setup_size = (std::uint64_t{sects == 0 ? hdr::default_setup_sects : sects} + 1) * hdr::sector;
    s.code_size = std::uint64_t{syssize} * 16;
    return LinuxError::ok;
}

LinuxError read_setup(Image image, Setup& s) {
    SEPTUM_TRY_LINUX(read_identity(image, s.header_end));
    SEPTUM_TRY_LINUX(read_fields(image, s));
    if ((s.xloadflags & bzimage::xloadflags::kernel_64) == 0) {
        return LinuxError::not_64bit;
    }
    // The header must hold every field read above (init_size is the last)
    // and end inside the zero page's place for it and the setup code.
    const std::uint64_t fields_end = hdr::init_size + 4;
    if (s.header_end < fields_end || s.header_end > zp::hdr_end || s.header_end > s.setup_size ||
        (s.loadflags & bzimage::loadflags::loaded_high) == 0 || s.code_size <= bzimage::entry_64_offset ||
        s.init_size < s.code_size) {
        return LinuxError::bad_setup_header;
    }
    const std::uint32_t a = s.kernel_alignment;
    if (s.relocatable != 0 && (a < linux_boot::page || (a & (a - 1)) != 0)) {
        return LinuxError::bad_setup_header;
    }
    if (s.setup_size > image.size || s.code_size > image.size - s.setup_size) {
        return LinuxError::truncated;
    }
    return LinuxError::ok;
}

// The kernel's room, [load, load + init_size): at pref_address if it is
// aligned and free, else (if relocatable) the lowest aligned place above
// 1 MiB; in RAM below 4 GiB, which the identity tables map.
bool place_kernel(const MemoryMap& map, const Setup& s, std::uint64_t& load) {
    const Range boot_data{linux_boot::gdt, linux_boot::end - linux_boot::gdt};
    const Range preferred{s.pref_address, s.init_size};
    const bool aligned = s.relocatable == 0 || (s.pref_address & (s.kernel_alignment - 1)) == 0;
    if (aligned && s.pref_address <= linux_boot::four_gib - s.init_size && linux_boot::in_ram(map, preferred) &&
        !linux_boot::overlaps(preferred, boot_data)) {
        load = s.pref_address;
        return true;
    }
    constexpr std::uint64_t one_mib = 0x100000;
    return s.relocatable != 0 &&
           linux_boot::place_low(map, s.init_size, s.kernel_alignment, one_mib, linux_boot::four_gib, boot_data, load);
}

// Where the initrd must end by: initrd_addr_max, or anywhere if the
// kernel takes it above 4 GiB.
std::uint64_t initrd_limit(const Setup& s) {
    if ((s.xloadflags & bzimage::xloadflags::can_be_loaded_above_4g) != 0) {
        return ~std::uint64_t{0};
    }
    return std::uint64_t{s.initrd_addr_max} + 1;
}

// The initrd as high as it may go.
bool place_initrd(const MemoryMap& map, const Setup& s, Image initrd, Range kernel, std::uint64_t& out) {
    const std::uint64_t limit = initrd_limit(s);
    const Range avoid[2] = {kernel, Range{linux_boot::gdt, linux_boot::end - linux_boot::gdt}};
    return initrd.bytes != nullptr && linux_boot::place_high(map, initrd.size, limit, avoid, 2, out);
}

Status write_zero_page(GuestMemory& memory, Image image, const Setup& s, const LinuxOptions& o,
                       const LinuxPlacement& p) {
    using linux_boot::write_le;
    const std::uint64_t zero_page = linux_boot::info;
    SEPTUM_TRY(memory.zero(zero_page, zp::size));
    SEPTUM_TRY(
        memory.write(zero_page + hdr::setup_sects, image.bytes + hdr::setup_sects, s.header_end - hdr::setup_sects));
    SEPTUM_TRY(write_le(memory, zero_page + hdr::type_of_loader, hdr::loader_undefined, 1));
    SEPTUM_TRY(write_le(memory, zero_page + hdr::code32_start, p.kernel_base, 4));
    SEPTUM_TRY(write_le(memory, zero_page + hdr::ramdisk_image, p.initrd_base & 0xffffffff, 4));
    SEPTUM_TRY(write_le(memory, zero_page + hdr::ramdisk_size, p.initrd_size & 0xffffffff, 4));
    SEPTUM_TRY(write_le(memory, zero_page + zp::ext_ramdisk_image, p.initrd_base >> 32, 4));
    SEPTUM_TRY(write_le(memory, zero_page + zp::ext_ramdisk_size, p.initrd_size >> 32, 4));
    SEPTUM_TRY(write_le(memory, zero_page + hdr::cmd_line_ptr, p.command_line, 4));
    SEPTUM_TRY(write_le(memory, zero_page + zp::e820_entries, o.map.count, 1));
    for (std::size_t i = 0; i < o.map.count; ++i) {
        const MemoryRegion& r = o.map.regions[i];
        const std::uint64_t at = zero_page + zp::e820_table + i * zp::e820_entry_size;
        SEPTUM_TRY(write_le(memory, at, r.base, 8));
        SEPTUM_TRY(write_le(memory, at + 8, r.size, 8));
        SEPTUM_TRY(write_le(memory, at + 16, static_cast<std::uint32_t>(r.type), 4));
    }
    return Status::ok;
}

Status write_all(GuestMemory& memory, Image image, const Setup& s, const LinuxOptions& o, const LinuxPlacement& p,
                 std::uint64_t command_line_length) {
    // The rest of the kernel's room is its own to clear (it zeroes its BSS
    // after decompressing).
    SEPTUM_TRY(memory.write(p.kernel_base, image.bytes + s.setup_size, s.code_size));
    if (p.initrd_size != 0) {
        SEPTUM_TRY(memory.write(p.initrd_base, o.initrd.bytes, p.initrd_size));
    }
    SEPTUM_TRY(linux_boot::write_gdt(memory));
    SEPTUM_TRY(linux_boot::write_identity_page_tables(memory));
    SEPTUM_TRY(linux_boot::write_command_line(memory, o.command_line, command_line_length));
    return write_zero_page(memory, image, s, o, p);
}

}  // namespace

LinuxLoad load_linux_bzimage(GuestMemory& memory, Image bzimage, const LinuxOptions& options) {
    LinuxLoad out{};
    const Image image = bzimage.bytes == nullptr ? Image{nullptr, 0} : bzimage;
    Setup s{};
    out.error = linux_boot::check_map(memory, options.map);
    if (out.ok()) {
        out.error = read_setup(image, s);
    }
    std::uint64_t length = 0;
    if (out.ok()) {
        const std::uint64_t room = linux_boot::command_line_room - 1;
        out.error = linux_boot::command_line_length(options.command_line, s.cmdline_size < room ? s.cmdline_size : room,
                                                    length);
    }
    if (!out.ok()) {
        return out;
    }
    LinuxPlacement& p = out.placement;
    std::uint64_t load = 0;
    if (!place_kernel(options.map, s, load)) {
        out.error = LinuxError::kernel_does_not_fit;
        return out;
    }
    p = LinuxPlacement{
        load, load + s.init_size, 0, 0, linux_boot::info, linux_boot::command_line, load + bzimage::entry_64_offset};
    if (options.initrd.size != 0) {
        if (!place_initrd(options.map, s, options.initrd, Range{load, s.init_size}, p.initrd_base)) {
            out.error = LinuxError::initrd_does_not_fit;
            return out;
        }
        p.initrd_size = options.initrd.size;
    }
    out.error = linux_boot::from_status(write_all(memory, image, s, options, p, length));
    if (out.ok()) {
        out.state = linux_boot::long_mode_entry(p.entry, linux_boot::info);
    }
    return out;
}

}  // namespace septum::vmm
