#include "multiboot2.hpp"

#include <cstring>

namespace septum::boot {

namespace {

enum class TagType : std::uint32_t {
    end = 0,
    cmdline = 1,
    loader_name = 2,
    module = 3,
    memory_map = 6,
};

struct TagHeader {
    std::uint32_t type;
    std::uint32_t size;
};

struct MemoryMapHeader {
    TagHeader tag;
    std::uint32_t entry_size;
    std::uint32_t entry_version;
};

struct RawMemoryEntry {
    std::uint64_t base;
    std::uint64_t length;
    std::uint32_t type;
    std::uint32_t reserved;
};

constexpr std::size_t info_header_size = 8;

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

ParseError parse_string(const std::uint8_t* tag, std::uint32_t size, const char*& out) {
    const char* s = reinterpret_cast<const char*>(tag + sizeof(TagHeader));
    const std::size_t len = size - sizeof(TagHeader);
    if (len == 0 || std::memchr(s, '\0', len) == nullptr) {
        return ParseError::bad_string;
    }
    out = s;
    return ParseError::none;
}

void add_region(BootInfo& info, const RawMemoryEntry& e) {
    if (e.type == static_cast<std::uint32_t>(MemoryType::usable)) {
        const std::uint64_t sum = info.usable_bytes + e.length;
        info.usable_bytes = sum < info.usable_bytes ? UINT64_MAX : sum;
    }
    if (info.region_count == max_memory_regions) {
        ++info.regions_dropped;
        return;
    }
    info.regions[info.region_count++] = MemoryRegion{e.base, e.length, e.type};
}

ParseError parse_memory_map(const std::uint8_t* tag, std::uint32_t size, BootInfo& info) {
    if (size < sizeof(MemoryMapHeader)) {
        return ParseError::bad_memory_map;
    }
    const auto header = load<MemoryMapHeader>(tag);
    const std::uint32_t body = size - sizeof(MemoryMapHeader);
    if (header.entry_size < sizeof(RawMemoryEntry) || body % header.entry_size != 0) {
        return ParseError::bad_memory_map;
    }
    for (std::uint32_t off = 0; off < body; off += header.entry_size) {
        add_region(info, load<RawMemoryEntry>(tag + sizeof(MemoryMapHeader) + off));
    }
    return ParseError::none;
}

// Module tag: u32 mod_start, u32 mod_end, then the module's command line.
ParseError parse_module(const std::uint8_t* tag, std::uint32_t size, BootInfo& info) {
    constexpr std::uint32_t fixed = sizeof(TagHeader) + 8;
    if (size <= fixed) {
        return ParseError::bad_module;
    }
    const auto start = load<std::uint32_t>(tag + sizeof(TagHeader));
    const auto end = load<std::uint32_t>(tag + sizeof(TagHeader) + 4);
    const char* cmdline = reinterpret_cast<const char*>(tag + fixed);
    if (end < start || std::memchr(cmdline, '\0', size - fixed) == nullptr) {
        return ParseError::bad_module;
    }
    if (info.module_count == max_modules) {
        ++info.modules_dropped;
        return ParseError::none;
    }
    info.modules[info.module_count++] = Module{start, end, cmdline};
    return ParseError::none;
}

ParseError parse_tag(const std::uint8_t* tag, const TagHeader& h, BootInfo& info, bool& saw_mmap) {
    switch (static_cast<TagType>(h.type)) {
        case TagType::cmdline:
            return parse_string(tag, h.size, info.cmdline);
        case TagType::loader_name:
            return parse_string(tag, h.size, info.loader_name);
        case TagType::module:
            return parse_module(tag, h.size, info);
        case TagType::memory_map:
            saw_mmap = true;
            return parse_memory_map(tag, h.size, info);
        default:
            return ParseError::none;  // tags we do not use are skipped
    }
}

}  // namespace

ParseError parse_multiboot2(std::uint32_t magic, const std::uint8_t* data, std::size_t mapped, BootInfo& out) {
    out = BootInfo{};
    if (magic != multiboot2_magic) {
        return ParseError::bad_magic;
    }
    if (reinterpret_cast<std::uintptr_t>(data) % 8 != 0) {
        return ParseError::misaligned;
    }
    if (mapped < info_header_size) {
        return ParseError::truncated;
    }
    const std::uint32_t total = load<std::uint32_t>(data);
    if (total < info_header_size + sizeof(TagHeader) || total > mapped) {
        return ParseError::truncated;
    }
    out.total_size = total;
    bool saw_mmap = false;
    std::size_t off = info_header_size;
    while (off + sizeof(TagHeader) <= total) {
        const auto h = load<TagHeader>(data + off);
        if (h.size < sizeof(TagHeader) || h.size > total - off) {
            return ParseError::bad_tag;
        }
        if (static_cast<TagType>(h.type) == TagType::end) {
            return saw_mmap ? ParseError::none : ParseError::no_memory_map;
        }
        if (const ParseError e = parse_tag(data + off, h, out, saw_mmap); e != ParseError::none) {
            return e;
        }
        off += (h.size + 7u) & ~std::size_t{7};  // tags are 8-byte aligned
    }
    return ParseError::no_end_tag;
}

const char* to_string(ParseError e) {
    switch (e) {
        case ParseError::none:
            return "ok";
        case ParseError::bad_magic:
            return "bad magic (not loaded by a Multiboot2 loader)";
        case ParseError::truncated:
            return "total size out of range";
        case ParseError::misaligned:
            return "information not 8-byte aligned";
        case ParseError::bad_tag:
            return "tag size out of range";
        case ParseError::no_end_tag:
            return "no end tag";
        case ParseError::bad_string:
            return "string tag without terminator";
        case ParseError::bad_module:
            return "malformed module tag";
        case ParseError::bad_memory_map:
            return "malformed memory map tag";
        case ParseError::no_memory_map:
            return "no memory map tag";
    }
    return "unknown error";
}

const char* memory_type_name(std::uint32_t type) {
    switch (static_cast<MemoryType>(type)) {
        case MemoryType::usable:
            return "usable";
        case MemoryType::reserved:
            return "reserved";
        case MemoryType::acpi_reclaimable:
            return "ACPI reclaimable";
        case MemoryType::acpi_nvs:
            return "ACPI NVS";
        case MemoryType::bad:
            return "bad";
    }
    return "unknown";
}

}  // namespace septum::boot
