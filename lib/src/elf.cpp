#include "septum/lib/elf.hpp"

#include <cstring>

namespace septum::elf {

namespace {

struct FileHeader {
    std::uint8_t ident[16];
    std::uint16_t type;
    std::uint16_t machine;
    std::uint32_t version;
    std::uint64_t entry;
    std::uint64_t phoff;
    std::uint64_t shoff;
    std::uint32_t flags;
    std::uint16_t ehsize;
    std::uint16_t phentsize;
    std::uint16_t phnum;
    std::uint16_t shentsize;
    std::uint16_t shnum;
    std::uint16_t shstrndx;
};

constexpr std::uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
constexpr std::uint8_t class64 = 2, data_lsb = 1;
constexpr std::uint16_t type_exec = 2, machine_x86_64 = 62;
constexpr std::uint32_t pf_x = 1, pf_w = 2;

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// a + b <= limit without overflow.
bool fits(std::uint64_t a, std::uint64_t b, std::uint64_t limit) { return a <= limit && b <= limit - a; }

Error check_header(const FileHeader& h, std::size_t size) {
    if (std::memcmp(h.ident, elf_magic, sizeof(elf_magic)) != 0) {
        return Error::bad_magic;
    }
    if (h.ident[4] != class64 || h.ident[5] != data_lsb || h.type != type_exec || h.machine != machine_x86_64) {
        return Error::not_x86_64_executable;
    }
    if (h.phentsize != sizeof(ProgramHeader) || !fits(h.phoff, std::uint64_t{h.phnum} * sizeof(ProgramHeader), size)) {
        return Error::bad_program_headers;
    }
    return Error::none;
}

Error add_segment(const ProgramHeader& ph, std::size_t size, std::uint64_t user_min, std::uint64_t user_max,
                  Image& out) {
    if (out.segment_count == max_segments) {
        return Error::too_many_segments;
    }
    if (ph.filesz > ph.memsz || !fits(ph.offset, ph.filesz, size)) {
        return Error::bad_segment;
    }
    if (ph.vaddr < user_min || !fits(ph.vaddr, ph.memsz, user_max)) {
        return Error::outside_user_space;
    }
    for (std::size_t i = 0; i < out.segment_count; ++i) {
        const Segment& s = out.segments[i];
        if (ph.vaddr < s.vaddr + s.mem_size && s.vaddr < ph.vaddr + ph.memsz) {
            return Error::overlapping_segments;
        }
    }
    out.segments[out.segment_count++] =
        Segment{ph.vaddr, ph.offset, ph.filesz, ph.memsz, (ph.flags & pf_w) != 0, (ph.flags & pf_x) != 0};
    return Error::none;
}

// The size of a note's name or descriptor with the padding after it.
std::uint64_t padded(std::uint64_t n, std::uint64_t align) { return (n + align - 1) & ~(align - 1); }

// Searches one PT_NOTE segment, [begin, end) of the image.
Error find_in_segment(const std::uint8_t* data, std::uint64_t begin, std::uint64_t end, std::uint64_t align,
                      const char* owner, std::uint32_t type, Note& out) {
    const std::uint64_t owner_size = std::strlen(owner) + 1;
    constexpr std::uint64_t note_header = 12;  // namesz, descsz, type
    for (std::uint64_t at = begin; at < end;) {
        if (end - at < note_header) {
            return Error::bad_note;
        }
        const auto namesz = load<std::uint32_t>(data + at);
        const auto descsz = load<std::uint32_t>(data + at + 4);
        const auto note_type = load<std::uint32_t>(data + at + 8);
        const std::uint64_t name_at = at + note_header;
        const std::uint64_t desc_at = name_at + padded(namesz, align);
        if (!fits(name_at, padded(namesz, align), end) || !fits(desc_at, descsz, end)) {
            return Error::bad_note;
        }
        if (note_type == type && namesz == owner_size && std::memcmp(data + name_at, owner, owner_size) == 0) {
            out = Note{desc_at, descsz};
            return Error::none;
        }
        at = desc_at + padded(descsz, align);  // beyond `end` only by the last padding: the loop ends
    }
    return Error::no_note;
}

bool entry_in_segment(const Image& image) {
    for (std::size_t i = 0; i < image.segment_count; ++i) {
        const Segment& s = image.segments[i];
        if (image.entry >= s.vaddr && image.entry < s.vaddr + s.mem_size && s.executable) {
            return true;
        }
    }
    return false;
}

}  // namespace

Error read_header(const std::uint8_t* data, std::size_t size, Header& out) {
    out = Header{};
    if (data == nullptr || size < sizeof(FileHeader)) {
        return Error::too_small;
    }
    const auto h = load<FileHeader>(data);
    if (const Error e = check_header(h, size); e != Error::none) {
        return e;
    }
    out = Header{h.entry, h.phoff, h.phnum};
    return Error::none;
}

ProgramHeader program_header(const std::uint8_t* data, const Header& header, std::uint16_t index) {
    return load<ProgramHeader>(data + header.phoff + std::uint64_t{index} * sizeof(ProgramHeader));
}

Error find_note(const std::uint8_t* data, std::size_t size, const Header& header, const char* owner, std::uint32_t type,
                Note& out) {
    out = Note{};
    for (std::uint16_t i = 0; i < header.phnum; ++i) {
        const ProgramHeader ph = program_header(data, header, i);
        if (ph.type != pt_note) {
            continue;
        }
        if (!fits(ph.offset, ph.filesz, size)) {
            return Error::bad_note;
        }
        // Notes are 4-byte aligned, or 8 where the segment says so.
        const std::uint64_t align = ph.align == 8 ? 8 : 4;
        const Error e = find_in_segment(data, ph.offset, ph.offset + ph.filesz, align, owner, type, out);
        if (e != Error::no_note) {
            return e;
        }
    }
    return Error::no_note;
}

Error parse(const std::uint8_t* data, std::size_t size, std::uint64_t user_min, std::uint64_t user_max, Image& out) {
    out = Image{};
    Header header{};
    if (const Error e = read_header(data, size, header); e != Error::none) {
        return e;
    }
    for (std::uint16_t i = 0; i < header.phnum; ++i) {
        const ProgramHeader ph = program_header(data, header, i);
        if (ph.type != pt_load || ph.memsz == 0) {
            continue;
        }
        if (const Error e = add_segment(ph, size, user_min, user_max, out); e != Error::none) {
            return e;
        }
    }
    if (out.segment_count == 0) {
        return Error::no_segments;
    }
    out.entry = header.entry;
    return entry_in_segment(out) ? Error::none : Error::outside_user_space;
}

const char* to_string(Error e) {
    switch (e) {
        case Error::none:
            return "ok";
        case Error::too_small:
            return "image smaller than an ELF header";
        case Error::bad_magic:
            return "not an ELF file";
        case Error::not_x86_64_executable:
            return "not an ELF64 x86_64 executable";
        case Error::bad_program_headers:
            return "program header table out of bounds";
        case Error::too_many_segments:
            return "too many loadable segments";
        case Error::bad_segment:
            return "segment out of bounds";
        case Error::outside_user_space:
            return "segment or entry outside user space";
        case Error::overlapping_segments:
            return "overlapping segments";
        case Error::no_segments:
            return "no loadable segment";
        case Error::bad_note:
            return "a note runs past its segment or the image";
        case Error::no_note:
            return "no such note";
    }
    return "unknown error";
}

}  // namespace septum::elf
