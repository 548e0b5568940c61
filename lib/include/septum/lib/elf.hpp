// Reading a static ELF64 x86_64 executable (the kernel reads the root task,
// the root task each server): its entry point and loadable segments. The
// image comes from a boot module, so every offset and size is checked against
// the image before it is used.
#pragma once

#include <cstddef>
#include <cstdint>

namespace septum::elf {

struct Segment {
    std::uint64_t vaddr;
    std::uint64_t file_offset;
    std::uint64_t file_size;
    std::uint64_t mem_size;
    bool writable;
    bool executable;
};

inline constexpr std::size_t max_segments = 8;

struct Image {
    std::uint64_t entry = 0;
    Segment segments[max_segments] = {};
    std::size_t segment_count = 0;
};

enum class Error {
    none,
    too_small,
    bad_magic,
    not_x86_64_executable,  // wrong class, data, machine, or type
    bad_program_headers,    // table outside the image or entries of the wrong size
    too_many_segments,
    bad_segment,         // file range outside the image, file > memory size, or overflow
    outside_user_space,  // a segment or the entry is not in [user_min, user_max)
    overlapping_segments,
    no_segments,
};

const char* to_string(Error e);

// Parses `data` (size bytes). Loadable segments must lie inside
// [user_min, user_max), not overlap, and the entry must be inside one.
[[nodiscard]] Error parse(const std::uint8_t* data, std::size_t size, std::uint64_t user_min, std::uint64_t user_max,
                          Image& out);

}  // namespace septum::elf
