// Reading the Multiboot2 boot information (Multiboot2 specification,
// section 3.6). The loader is trusted to boot us but its data is still
// checked: every tag must lie inside the declared total size, and every
// string must end inside its tag, so a malformed structure yields an error
// rather than a read past its end.
#pragma once

#include <cstddef>
#include <cstdint>

#include "septum/abi/bootinfo.hpp"

namespace septum::boot {

inline constexpr std::uint32_t multiboot2_magic = 0x36d76289;

enum class MemoryType : std::uint32_t {
    usable = 1,
    reserved = 2,
    acpi_reclaimable = 3,
    acpi_nvs = 4,
    bad = 5,
};

struct MemoryRegion {
    std::uint64_t base;
    std::uint64_t length;
    std::uint32_t type;  // raw; see MemoryType
};

inline constexpr std::size_t max_memory_regions = 64;
// The root task and the modules it gets (abi::BootInfo); more are counted as dropped.
inline constexpr std::size_t max_modules = abi::max_modules + 1;

struct Module {
    std::uint64_t start;  // physical, inclusive
    std::uint64_t end;    // physical, exclusive
    const char* cmdline;
};

struct BootInfo {
    const char* cmdline = "";
    const char* loader_name = "";
    MemoryRegion regions[max_memory_regions] = {};
    std::size_t region_count = 0;
    std::size_t regions_dropped = 0;  // entries beyond max_memory_regions
    std::uint64_t usable_bytes = 0;   // sum of usable lengths, saturating
    Module modules[max_modules] = {};
    std::size_t module_count = 0;
    std::size_t modules_dropped = 0;
    std::uint32_t total_size = 0;  // bytes of the information itself
};

enum class ParseError {
    none,
    bad_magic,
    truncated,   // total_size is below the header or above what is mapped
    misaligned,  // the information does not start 8-byte aligned
    bad_tag,     // a tag's size runs past total_size or below its header
    no_end_tag,
    bad_string,      // a string tag without a terminating NUL
    bad_memory_map,  // entry size too small or not a whole number of entries
    bad_module,      // a module tag too small, or ending before it starts
    no_memory_map,
};

const char* to_string(ParseError e);

// Parses the information at data, of which `mapped` bytes may be read.
[[nodiscard]] ParseError parse_multiboot2(std::uint32_t magic, const std::uint8_t* data, std::size_t mapped,
                                          BootInfo& out);

const char* memory_type_name(std::uint32_t type);

}  // namespace septum::boot
