#include "linux_images.hpp"

#include <septum/vmm/boot_info.hpp>

#include <numeric>

namespace septum::vmm::testing {

void put_le(Bytes& b, std::uint64_t at, std::uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i) {
        b.at(at + i) = i < 8 ? static_cast<std::uint8_t>(value >> (8 * i)) : 0;
    }
}

std::uint64_t get_le(const std::uint8_t* p, unsigned bytes) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) {
        v |= std::uint64_t{p[i]} << (8 * i);
    }
    return v;
}

namespace {

constexpr std::uint64_t elf_header_size = 64, program_header_size = 56, file_page = 0x1000;

void put_program_header(Bytes& b, std::uint64_t at, std::uint32_t type, std::uint64_t offset, std::uint64_t paddr,
                        std::uint64_t filesz, std::uint64_t memsz) {
    put_le(b, at, type, 4);
    put_le(b, at + 4, 5, 4);  // R+X
    put_le(b, at + 8, offset, 8);
    put_le(b, at + 16, paddr + 0xffffffff80000000, 8);  // the kernel's virtual address
    put_le(b, at + 24, paddr, 8);
    put_le(b, at + 32, filesz, 8);
    put_le(b, at + 40, memsz, 8);
    put_le(b, at + 48, 4, 8);
}

}  // namespace

Bytes make_vmlinux(const VmlinuxSpec& spec) {
    const std::uint64_t headers = spec.segments.size() + (spec.note_size != 0 ? 1 : 0);
    const std::uint64_t note_at = elf_header_size + headers * program_header_size;
    const std::uint64_t note_length = 12 + 4 + spec.note_size;  // header, "Xen\0", descriptor
    std::uint64_t data_at = (note_at + note_length + file_page - 1) & ~(file_page - 1);
    const std::uint64_t total = std::accumulate(
        spec.segments.begin(), spec.segments.end(), data_at,
        [](std::uint64_t sum, const ElfSegment& s) { return sum + ((s.filesz + file_page - 1) & ~(file_page - 1)); });
    Bytes b(total, 0);
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    for (unsigned i = 0; i < sizeof ident; ++i) {
        b[i] = ident[i];
    }
    put_le(b, 16, 2, 2);   // ET_EXEC
    put_le(b, 18, 62, 2);  // EM_X86_64
    put_le(b, 20, 1, 4);
    put_le(b, 24, spec.segments.empty() ? 0 : spec.segments[0].paddr, 8);
    put_le(b, 32, elf_header_size, 8);  // phoff
    put_le(b, 52, elf_header_size, 2);
    put_le(b, 54, program_header_size, 2);
    put_le(b, 56, headers, 2);
    std::uint64_t ph = elf_header_size;
    for (const ElfSegment& s : spec.segments) {
        put_program_header(b, ph, 1, data_at, s.paddr, s.filesz, s.memsz);
        for (std::uint64_t i = 0; i < s.filesz; ++i) {
            b[data_at + i] = code_byte(s.paddr + i);
        }
        data_at += (s.filesz + file_page - 1) & ~(file_page - 1);
        ph += program_header_size;
    }
    if (spec.note_size != 0) {
        put_program_header(b, ph, 4, note_at, 0, note_length, note_length);
        put_le(b, note_at, 4, 4);
        put_le(b, note_at + 4, spec.note_size, 4);
        put_le(b, note_at + 8, pvh::note_phys32_entry, 4);
        put_le(b, note_at + 12, 0x006e6558, 4);  // "Xen\0"
        put_le(b, note_at + 16, spec.entry, spec.note_size);
    }
    return b;
}

Bytes make_bzimage(const BzImageSpec& spec) {
    namespace hdr = bzimage::hdr;
    const std::uint64_t setup = (std::uint64_t{spec.setup_sects == 0 ? 4u : spec.setup_sects} + 1) * hdr::sector;
    Bytes b(setup + spec.code_size, 0);
    b[hdr::setup_sects] = spec.setup_sects;
    put_le(b, hdr::syssize, spec.code_size / 16, 4);
    put_le(b, hdr::boot_flag, hdr::boot_flag_value, 2);
    b[hdr::jump] = hdr::short_jump;
    b[hdr::jump + 1] = 0x6a;  // the header ends at 0x26c, as protocol 2.15's does
    put_le(b, hdr::header, hdr::header_value, 4);
    put_le(b, hdr::version, spec.version, 2);
    b[hdr::loadflags] = spec.loadflags;
    put_le(b, hdr::initrd_addr_max, spec.initrd_addr_max, 4);
    put_le(b, hdr::kernel_alignment, spec.kernel_alignment, 4);
    b[hdr::relocatable_kernel] = spec.relocatable;
    put_le(b, hdr::xloadflags, spec.xloadflags, 2);
    put_le(b, hdr::cmdline_size, spec.cmdline_size, 4);
    put_le(b, hdr::pref_address, spec.pref_address, 8);
    put_le(b, hdr::init_size, spec.init_size, 4);
    for (std::uint64_t i = 0; i < spec.code_size; ++i) {
        b[setup + i] = code_byte(i);
    }
    return b;
}

}  // namespace septum::vmm::testing
