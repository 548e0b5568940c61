// Reading a static ELF64 x86_64 executable (the kernel reads the root task,
// the root task each server, a VMM a guest's Linux kernel): its entry point,
// loadable segments and notes. The image comes from a boot module or a
// tenant, so every offset and size is checked against the image before it
// is used.
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
    bad_note,  // a note runs past its segment, or its segment past the image
    no_note,   // no note with the owner and type asked for
};

const char* to_string(Error e);

// Parses `data` (size bytes). Loadable segments must lie inside
// [user_min, user_max), not overlap, and the entry must be inside one.
[[nodiscard]] Error parse(const std::uint8_t* data, std::size_t size, std::uint64_t user_min, std::uint64_t user_max,
                          Image& out);

// The lower level, for loaders that need more than parse() gives: the
// program headers as the file has them (a VMM places a guest kernel's
// segments at their physical addresses) and its notes (ELF gABI, "Program
// Header" and "Note Section").
inline constexpr std::uint32_t pt_load = 1;
inline constexpr std::uint32_t pt_note = 4;

struct ProgramHeader {
    std::uint32_t type;
    std::uint32_t flags;
    std::uint64_t offset;
    std::uint64_t vaddr;
    std::uint64_t paddr;
    std::uint64_t filesz;
    std::uint64_t memsz;
    std::uint64_t align;
};

struct Header {
    std::uint64_t entry;
    std::uint64_t phoff;
    std::uint16_t phnum;
};

// Checks the file header (an ELF64 little-endian x86_64 executable) and
// that its program header table lies inside the image.
[[nodiscard]] Error read_header(const std::uint8_t* data, std::size_t size, Header& out);

// Program header `index` (< header.phnum) of an image read_header accepted.
ProgramHeader program_header(const std::uint8_t* data, const Header& header, std::uint16_t index);

// Where a note's descriptor lies in the image.
struct Note {
    std::uint64_t offset;
    std::uint64_t size;
};

// The first note in the image's PT_NOTE segments whose owner is `owner` (a
// C string) and whose type is `type`: none, no_note or bad_note.
[[nodiscard]] Error find_note(const std::uint8_t* data, std::size_t size, const Header& header, const char* owner,
                              std::uint32_t type, Note& out);

}  // namespace septum::elf
