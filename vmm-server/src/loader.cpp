#include <septum/vmm/loader.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

constexpr std::uint64_t real_mode_limit = 0x100000;

abi::Segment segment(std::uint16_t selector, std::uint64_t base, std::uint32_t limit, std::uint32_t access) {
    return abi::Segment{base, limit, access, selector, {}};
}

bool field32(Image image, std::uint64_t offset, std::uint32_t& out) { return read_le(image, offset, out); }

bool field16(Image image, std::uint64_t offset, std::uint16_t& out) { return read_le(image, offset, out); }

// The Multiboot header: 4-byte aligned in the first 8 KiB, magic + flags +
// checksum = 0 (spec 3.1.1). Only flag bits we honour may be required:
// 0 (page-align modules: there are none) and 1 (memory information).
Status check_multiboot_header(Image image) {
    constexpr std::uint64_t search = 8192;
    constexpr std::uint32_t required_known = 0x3;
    for (std::uint64_t at = 0; at + 12 <= search && at + 12 <= image.size; at += 4) {
        std::uint32_t magic = 0, flags = 0, checksum = 0;
        if (!field32(image, at, magic) || magic != multiboot_header_magic) {
            continue;
        }
        if (!field32(image, at + 4, flags) || !field32(image, at + 8, checksum) || magic + flags + checksum != 0) {
            continue;
        }
        return (flags & 0xffff & ~required_known) == 0 ? Status::ok : Status::invalid_argument;
    }
    return Status::invalid_argument;
}

// ELF32 (System V ABI, Intel386 supplement): header and program headers.
struct ElfHeader {
    std::uint32_t entry;
    std::uint32_t phoff;
    std::uint16_t phentsize;
    std::uint16_t phnum;
};

constexpr std::uint32_t pt_load = 1;
constexpr std::uint16_t max_program_headers = 64;

Status read_elf_header(Image image, ElfHeader& h) {
    static constexpr std::uint8_t ident[7] = {0x7f, 'E', 'L', 'F', 1 /* 32-bit */, 1 /* LE */, 1 /* version */};
    if (image.size < 52) {
        return Status::invalid_argument;
    }
    for (unsigned i = 0; i < sizeof ident; ++i) {
        if (image.bytes[i] != ident[i]) {
            return Status::invalid_argument;
        }
    }
    std::uint16_t type = 0, machine = 0;
    if (!field16(image, 16, type) || !field16(image, 18, machine) || type != 2 /* EXEC */ || machine != 3 /* 386 */) {
        return Status::invalid_argument;
    }
    if (!field32(image, 24, h.entry) || !field32(image, 28, h.phoff) || !field16(image, 42, h.phentsize) ||
        !field16(image, 44, h.phnum)) {
        return Status::invalid_argument;
    }
    if (h.phentsize < 32 || h.phnum == 0 || h.phnum > max_program_headers) {
        return Status::invalid_argument;
    }
    const std::uint64_t table = std::uint64_t{h.phentsize} * h.phnum;
    return h.phoff <= image.size && table <= image.size - h.phoff ? Status::ok : Status::out_of_range;
}

struct Segment32 {
    std::uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

Status read_program_header(Image image, const ElfHeader& h, unsigned i, Segment32& s) {
    const std::uint64_t at = std::uint64_t{h.phoff} + std::uint64_t{h.phentsize} * i;
    const bool ok = field32(image, at, s.type) && field32(image, at + 4, s.offset) && field32(image, at + 8, s.vaddr) &&
                    field32(image, at + 12, s.paddr) && field32(image, at + 16, s.filesz) &&
                    field32(image, at + 20, s.memsz);
    return ok ? Status::ok : Status::out_of_range;
}

Status load_segment(GuestMemory& memory, Image image, const Segment32& s) {
    if (s.filesz > s.memsz || std::uint64_t{s.offset} + s.filesz > image.size ||
        std::uint64_t{s.paddr} + s.memsz > (std::uint64_t{1} << 32)) {
        return Status::out_of_range;
    }
    if (!memory.contains(s.paddr, s.memsz)) {
        return Status::out_of_range;
    }
    SEPTUM_TRY(memory.write(s.paddr, image.bytes + s.offset, s.filesz));
    return memory.zero(std::uint64_t{s.paddr} + s.filesz, s.memsz - s.filesz);
}

bool overlaps(std::uint64_t a, std::uint64_t n, std::uint64_t b, std::uint64_t m) { return a < b + m && b < a + n; }

constexpr std::uint64_t info_size = 88;
constexpr std::uint64_t map_entry_size = 24;  // size field + the 20 bytes it counts

std::uint64_t command_line_length(const MultibootOptions& o) {
    std::uint64_t n = 0;
    if (o.command_line == nullptr) {
        return 0;
    }
    while (n < 4096 && o.command_line[n] != '\0') {
        ++n;
    }
    return n + 1;  // the terminator
}

std::uint64_t map_length(const MultibootOptions& o) { return map_entry_size * (o.ram_size > real_mode_limit ? 2 : 1); }

std::uint64_t info_length(const MultibootOptions& o) { return info_size + map_length(o) + command_line_length(o); }

// The information structure (spec 3.3): flags, mem_lower/upper, a memory
// map after it and the command line after that.
Status write_multiboot_info(GuestMemory& memory, const MultibootOptions& o) {
    constexpr std::uint64_t entry_size = map_entry_size;
    constexpr std::uint64_t low_end = 0x9fc00;
    constexpr std::uint32_t flag_memory = 1u << 0, flag_cmdline = 1u << 2, flag_mmap = 1u << 6;

    std::uint8_t map[2 * entry_size] = {};
    std::uint64_t map_used = 0;
    auto add = [&](std::uint64_t base, std::uint64_t size) {
        std::uint8_t* e = map + map_used;
        const std::uint64_t fields[3] = {20, base, size};
        for (unsigned i = 0; i < 4; ++i) {
            e[i] = static_cast<std::uint8_t>(fields[0] >> (8 * i));
        }
        for (unsigned i = 0; i < 8; ++i) {
            e[4 + i] = static_cast<std::uint8_t>(fields[1] >> (8 * i));
            e[12 + i] = static_cast<std::uint8_t>(fields[2] >> (8 * i));
        }
        e[20] = 1;  // available RAM
        map_used += entry_size;
    };
    const std::uint64_t low = o.ram_size < low_end ? o.ram_size : low_end;
    add(0, low);
    if (o.ram_size > real_mode_limit) {
        add(real_mode_limit, o.ram_size - real_mode_limit);
    }
    const std::uint64_t cmdline_length = command_line_length(o);
    const std::uint64_t map_at = o.info_address + info_size;
    const std::uint64_t cmdline_at = map_at + map_used;
    std::uint32_t flags = flag_memory | flag_mmap;
    SEPTUM_TRY(memory.zero(o.info_address, info_size));
    SEPTUM_TRY(memory.write_u32(o.info_address + 4, static_cast<std::uint32_t>(low / 1024)));
    const std::uint64_t upper = o.ram_size > real_mode_limit ? (o.ram_size - real_mode_limit) / 1024 : 0;
    SEPTUM_TRY(memory.write_u32(o.info_address + 8, static_cast<std::uint32_t>(upper)));
    if (o.command_line != nullptr) {
        flags |= flag_cmdline;
        SEPTUM_TRY(memory.write(cmdline_at, o.command_line, cmdline_length - 1));
        SEPTUM_TRY(memory.zero(cmdline_at + cmdline_length - 1, 1));
        SEPTUM_TRY(memory.write_u32(o.info_address + 16, static_cast<std::uint32_t>(cmdline_at)));
    }
    SEPTUM_TRY(memory.write_u32(o.info_address + 44, static_cast<std::uint32_t>(map_used)));
    SEPTUM_TRY(memory.write_u32(o.info_address + 48, static_cast<std::uint32_t>(map_at)));
    SEPTUM_TRY(memory.write(map_at, map, map_used));
    return memory.write_u32(o.info_address, flags);
}

}  // namespace

abi::VcpuState real_mode_entry(std::uint64_t address) {
    abi::VcpuState s{};
    const auto selector = static_cast<std::uint16_t>((address >> 4) & 0xffff);
    s.rip = address & 0xf;
    s.rflags = x86::rflags::fixed1;
    s.cr0 = x86::cr0::et;
    s.xcr0 = x86::xcr0::x87;
    // Real-mode segments as after a far jump: base = selector * 16, 64 KiB
    // limits; TR usable and busy, LDTR unusable, as VM entry requires
    // (SDM Vol. 3C 27.3.1.2).
    s.cs = segment(selector, std::uint64_t{selector} << 4, 0xffff, 0x9b);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(0, 0, 0xffff, 0x93);
    s.tr = segment(0, 0, 0xffff, 0x8b);
    s.ldtr = segment(0, 0, 0, x86::access::unusable);
    s.idtr = abi::DescriptorTable{0, 0x3ff, 0};  // the real-mode IVT
    s.gdtr = abi::DescriptorTable{0, 0xffff, 0};
    return s;
}

abi::VcpuState protected_mode_entry(std::uint32_t entry) {
    abi::VcpuState s{};
    s.rip = entry;
    s.rflags = x86::rflags::fixed1;  // IF and VM clear (Multiboot 3.2)
    s.cr0 = x86::cr0::pe | x86::cr0::et;
    s.xcr0 = x86::xcr0::x87;
    // Flat 4 GiB segments, 32-bit, granular; selectors are nominal: the
    // kernel loads its own GDT before reloading them.
    s.cs = segment(0x08, 0, 0xffffffff, 0xc09b);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(0x10, 0, 0xffffffff, 0xc093);
    s.tr = segment(0, 0, 0xffff, 0x8b);
    s.ldtr = segment(0, 0, 0, x86::access::unusable);
    return s;
}

Result<abi::VcpuState> load_flat(GuestMemory& memory, Image image, std::uint64_t load_address) {
    if (load_address >= real_mode_limit || image.size == 0) {
        return Status::invalid_argument;
    }
    SEPTUM_TRY(memory.write(load_address, image.bytes, image.size));
    return real_mode_entry(load_address);
}

Result<abi::VcpuState> load_multiboot(GuestMemory& memory, Image image, const MultibootOptions& options) {
    SEPTUM_TRY(check_multiboot_header(image));
    ElfHeader h{};
    SEPTUM_TRY(read_elf_header(image, h));
    // Check every segment before writing any, so a bad image leaves memory alone.
    bool any = false, entry_found = false;
    std::uint32_t entry = 0;
    const std::uint64_t info_bytes = info_length(options);
    if (!memory.contains(options.info_address, info_bytes) ||
        options.info_address > (std::uint64_t{1} << 32) - info_bytes) {
        return Status::out_of_range;
    }
    for (unsigned i = 0; i < h.phnum; ++i) {
        Segment32 s{};
        SEPTUM_TRY(read_program_header(image, h, i, s));
        if (s.type != pt_load) {
            continue;
        }
        if (s.filesz > s.memsz || std::uint64_t{s.offset} + s.filesz > image.size ||
            !memory.contains(s.paddr, s.memsz) || std::uint64_t{s.paddr} + s.memsz > (std::uint64_t{1} << 32)) {
            return Status::out_of_range;
        }
        if (overlaps(options.info_address, info_bytes, s.paddr, s.memsz)) {
            return Status::invalid_argument;  // the information would overwrite the kernel
        }
        any = true;
        // The entry is a virtual address; GRUB enters at its physical one.
        if (!entry_found && h.entry >= s.vaddr && h.entry - s.vaddr < s.memsz) {
            entry = s.paddr + (h.entry - s.vaddr);
            entry_found = true;
        }
    }
    if (!any || !entry_found) {
        return Status::invalid_argument;
    }
    for (unsigned i = 0; i < h.phnum; ++i) {
        Segment32 s{};
        SEPTUM_TRY(read_program_header(image, h, i, s));
        if (s.type == pt_load) {
            SEPTUM_TRY(load_segment(memory, image, s));
        }
    }
    SEPTUM_TRY(write_multiboot_info(memory, options));
    abi::VcpuState state = protected_mode_entry(entry);
    state.rax = multiboot_boot_magic;
    state.rbx = options.info_address;
    return state;
}

}  // namespace septum::vmm
