#include <septum/vmm/linux_layout.hpp>
#include <septum/vmm/loader.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

struct ErrorFacts {
    Status status;
    const char* sentence;
};

constexpr ErrorFacts error_facts[] = {
#define SEPTUM_LINUX_ERROR_FACTS(name, status, sentence) {Status::status, sentence},
    SEPTUM_LINUX_ERRORS(SEPTUM_LINUX_ERROR_FACTS)
#undef SEPTUM_LINUX_ERROR_FACTS
};

// The facts of `error`, or of none for a value outside the enumeration.
const ErrorFacts* facts_of(LinuxError error) {
    const auto i = static_cast<std::size_t>(error);
    return i < sizeof error_facts / sizeof error_facts[0] ? &error_facts[i] : nullptr;
}

}  // namespace

const char* describe(LinuxError error) {
    const ErrorFacts* f = facts_of(error);
    return f != nullptr ? f->sentence : "unknown error";
}

Status status_of(LinuxError error) {
    const ErrorFacts* f = facts_of(error);
    return f != nullptr ? f->status : Status::invalid_argument;
}

MemoryMap pc_memory_map(std::uint64_t ram_size, MemoryRegion (&out)[3]) {
    constexpr std::uint64_t ebda = 0x9fc00, high = 0x100000;
    std::size_t n = 0;
    if (ram_size > 0) {
        out[n++] = MemoryRegion{0, ram_size < ebda ? ram_size : ebda, RegionType::ram};
    }
    if (ram_size > ebda) {
        out[n++] = MemoryRegion{ebda, high - ebda, RegionType::reserved};
    }
    if (ram_size > high) {
        out[n++] = MemoryRegion{high, ram_size - high, RegionType::ram};
    }
    return MemoryMap{out, n};
}

namespace linux_boot {

namespace {

constexpr std::uint64_t align_down(std::uint64_t v, std::uint64_t align) { return v & ~(align - 1); }

bool known_type(RegionType t) {
    switch (t) {
        case RegionType::ram:
        case RegionType::reserved:
        case RegionType::acpi:
        case RegionType::nvs:
        case RegionType::unusable:
            return true;
    }
    return false;
}

const Range* first_overlap(Range r, const Range* avoid, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (overlaps(r, avoid[i])) {
            return &avoid[i];
        }
    }
    return nullptr;
}

// The type field of segment access rights (SDM Vol. 3A 3.4.5.1, Table 3-1;
// 3.5, Table 3-2), each with its accessed (or busy) bit set as a loaded
// segment has it.
constexpr std::uint32_t type_code_read = 0xb;
constexpr std::uint32_t type_data_write = 0x3;
constexpr std::uint32_t type_tss_busy = 0xb;
constexpr std::uint32_t tss_limit = 0x67;  // a 32- or 64-bit TSS with no I/O bitmap

constexpr std::uint32_t flat(std::uint32_t type, std::uint32_t size_bit) {
    return type | x86::access::s | x86::access::present | size_bit | x86::access::g;
}
constexpr std::uint32_t code32_access = flat(type_code_read, x86::access::db);
constexpr std::uint32_t code64_access = flat(type_code_read, x86::access::l);
constexpr std::uint32_t data_access = flat(type_data_write, x86::access::db);

// The GDT descriptor of a flat 4 GiB segment with these access rights
// (SDM Vol. 3A 3.4.5, Figure 3-8): base 0, limit 0xfffff in pages.
constexpr std::uint64_t descriptor(std::uint32_t access) {
    return 0xffff | (std::uint64_t{access & 0xff} << 40) | (std::uint64_t{0xf} << 48) |
           (std::uint64_t{(access >> 12) & 0xf} << 52);
}

abi::Segment flat_segment(std::uint16_t selector, std::uint32_t access) {
    return abi::Segment{0, 0xffffffff, access, selector, {}};
}

}  // namespace

bool in_ram(const MemoryMap& map, Range r) {
    for (std::size_t i = 0; i < map.count; ++i) {
        const MemoryRegion& g = map.regions[i];
        if (g.type == RegionType::ram && r.base >= g.base && r.base - g.base <= g.size &&
            r.size <= g.size - (r.base - g.base)) {
            return true;
        }
    }
    return false;
}

LinuxError check_map(const GuestMemory& memory, const MemoryMap& map) {
    if (map.regions == nullptr || map.count == 0 || map.count > max_memory_regions) {
        return LinuxError::bad_memory_map;
    }
    std::uint64_t next = 0;
    bool any_ram = false;
    for (std::size_t i = 0; i < map.count; ++i) {
        const MemoryRegion& r = map.regions[i];
        if (r.size == 0 || r.size > ~std::uint64_t{0} - r.base || (i > 0 && r.base < next) || !known_type(r.type)) {
            return LinuxError::bad_memory_map;
        }
        if (r.type == RegionType::ram) {
            if (!memory.contains(r.base, r.size)) {
                return LinuxError::bad_memory_map;
            }
            any_ram = true;
        }
        next = r.base + r.size;
    }
    if (!any_ram) {
        return LinuxError::bad_memory_map;
    }
    return in_ram(map, Range{gdt, end - gdt}) ? LinuxError::ok : LinuxError::boot_data_outside_ram;
}

bool place_high(const MemoryMap& map, std::uint64_t size, std::uint64_t limit, const Range* avoid, std::size_t n,
                std::uint64_t& out) {
    for (std::size_t i = map.count; size != 0 && i-- > 0;) {
        const MemoryRegion& g = map.regions[i];
        const std::uint64_t g_end = g.base + g.size;
        const std::uint64_t top = g_end < limit ? g_end : limit;
        if (g.type != RegionType::ram || top < g.base || top - g.base < size) {
            continue;
        }
        // Each step ends the candidate below the range it hit: at most n steps.
        for (std::uint64_t at = align_down(top - size, page); at >= g.base;) {
            const Range* hit = first_overlap(Range{at, size}, avoid, n);
            if (hit == nullptr) {
                out = at;
                return true;
            }
            if (hit->base < g.base + size) {
                break;
            }
            at = align_down(hit->base - size, page);
        }
    }
    return false;
}

bool place_low(const MemoryMap& map, std::uint64_t size, std::uint64_t align, std::uint64_t floor, std::uint64_t limit,
               Range avoid, std::uint64_t& out) {
    for (std::size_t i = 0; size != 0 && i < map.count; ++i) {
        const MemoryRegion& g = map.regions[i];
        const std::uint64_t start = g.base > floor ? g.base : floor;
        const std::uint64_t g_end = g.base + g.size;
        const std::uint64_t top = g_end < limit ? g_end : limit;
        if (g.type != RegionType::ram || start > ~std::uint64_t{0} - (align - 1)) {
            continue;
        }
        // At most two candidates: the first, and the first past `avoid`.
        std::uint64_t at = align_down(start + align - 1, align);
        for (int step = 0; step < 2 && at <= top && size <= top - at; ++step) {
            if (!overlaps(Range{at, size}, avoid)) {
                out = at;
                return true;
            }
            const std::uint64_t past = avoid.base + avoid.size;
            if (past > ~std::uint64_t{0} - (align - 1)) {
                break;
            }
            at = align_down(past + align - 1, align);
        }
    }
    return false;
}

LinuxError command_line_length(const char* command_line, std::uint64_t max, std::uint64_t& out) {
    out = 0;
    if (command_line == nullptr) {
        return LinuxError::ok;
    }
    for (std::uint64_t n = 0; n <= max; ++n) {
        if (command_line[n] == '\0') {
            out = n;
            return LinuxError::ok;
        }
    }
    return LinuxError::command_line_too_long;
}

Status write_le(GuestMemory& memory, std::uint64_t gpa, std::uint64_t value, unsigned bytes) {
    std::uint8_t b[8] = {};
    for (unsigned i = 0; i < bytes && i < sizeof b; ++i) {
        b[i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    return memory.write(gpa, b, bytes < sizeof b ? bytes : sizeof b);
}

Status write_command_line(GuestMemory& memory, const char* command_line, std::uint64_t length) {
    if (length > 0) {
        SEPTUM_TRY(memory.write(linux_boot::command_line, command_line, length));
    }
    return memory.zero(linux_boot::command_line + length, 1);
}

Status write_gdt(GuestMemory& memory) {
    SEPTUM_TRY(write_le(memory, gdt, 0, 8));
    SEPTUM_TRY(write_le(memory, gdt + code32_selector, descriptor(code32_access), 8));
    SEPTUM_TRY(write_le(memory, gdt + code64_selector, descriptor(code64_access), 8));
    return write_le(memory, gdt + data_selector, descriptor(data_access), 8);
}

Status write_identity_page_tables(GuestMemory& memory) {
    constexpr std::uint64_t table = x86::pte::present | x86::pte::write;
    constexpr std::uint64_t large_page = std::uint64_t{2} << 20;
    constexpr std::uint64_t pml4 = page_tables, pdpt = pml4 + page, directories = pdpt + page;
    constexpr std::uint64_t directory_count = 4, entries = 512, chunk = 32;
    SEPTUM_TRY(memory.zero(pml4, 2 * page));
    SEPTUM_TRY(write_le(memory, pml4, pdpt | table, 8));
    for (std::uint64_t d = 0; d < directory_count; ++d) {
        SEPTUM_TRY(write_le(memory, pdpt + 8 * d, (directories + d * page) | table, 8));
        for (std::uint64_t first = 0; first < entries; first += chunk) {
            std::uint8_t b[chunk * 8] = {};
            for (std::uint64_t e = 0; e < chunk; ++e) {
                const std::uint64_t v = ((d * entries + first + e) * large_page) | table | x86::pte::large;
                for (std::uint64_t k = 0; k < 8; ++k) {
                    b[e * 8 + k] = static_cast<std::uint8_t>(v >> (8 * k));
                }
            }
            SEPTUM_TRY(memory.write(directories + d * page + first * 8, b, sizeof b));
        }
    }
    return Status::ok;
}

abi::VcpuState pvh_entry(std::uint32_t entry, std::uint32_t start_info) {
    abi::VcpuState s = protected_mode_entry(entry);
    s.rbx = start_info;
    s.cs = flat_segment(code32_selector, code32_access);
    s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(data_selector, data_access);
    s.tr = abi::Segment{0, tss_limit, type_tss_busy | x86::access::present, 0, {}};
    s.gdtr = abi::DescriptorTable{gdt, 4 * 8 - 1, 0};
    return s;
}

abi::VcpuState long_mode_entry(std::uint64_t entry, std::uint64_t boot_params) {
    abi::VcpuState s{};
    s.rip = entry;
    s.rsi = boot_params;
    s.rflags = x86::rflags::fixed1;
    s.cr0 = x86::cr0::pe | x86::cr0::et | x86::cr0::pg;
    s.cr3 = page_tables;
    s.cr4 = x86::cr4::pae;
    s.efer = x86::efer::lme | x86::efer::lma;
    s.xcr0 = x86::xcr0::x87;
    s.cs = flat_segment(code64_selector, code64_access);
    s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(data_selector, data_access);
    s.tr = abi::Segment{0, tss_limit, type_tss_busy | x86::access::present, 0, {}};
    s.ldtr = abi::Segment{0, 0, x86::access::unusable, 0, {}};
    s.gdtr = abi::DescriptorTable{gdt, 4 * 8 - 1, 0};
    return s;
}

}  // namespace linux_boot

}  // namespace septum::vmm
