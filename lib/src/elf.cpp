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

constexpr std::uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
constexpr std::uint8_t class64 = 2, data_lsb = 1;
constexpr std::uint16_t type_exec = 2, machine_x86_64 = 62;
constexpr std::uint32_t pt_load = 1;
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

Error parse(const std::uint8_t* data, std::size_t size, std::uint64_t user_min, std::uint64_t user_max, Image& out) {
    out = Image{};
    if (data == nullptr || size < sizeof(FileHeader)) {
        return Error::too_small;
    }
    const auto header = load<FileHeader>(data);
    if (const Error e = check_header(header, size); e != Error::none) {
        return e;
    }
    for (std::uint16_t i = 0; i < header.phnum; ++i) {
        const auto ph = load<ProgramHeader>(data + header.phoff + i * sizeof(ProgramHeader));
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
    }
    return "unknown error";
}

}  // namespace septum::elf
