// Small Linux images built to order, for the loaders' host tests and
// fuzzers: an ELF64 "vmlinux" with loadable segments and a PVH note, and a
// bzImage with a setup header. Each byte of code is a known function of its
// offset, so a test can tell where every byte went.
#pragma once

#include <cstdint>
#include <vector>

namespace septum::vmm::testing {

using Bytes = std::vector<std::uint8_t>;

// The byte at `offset` of an image's code.
constexpr std::uint8_t code_byte(std::uint64_t offset) { return static_cast<std::uint8_t>((offset * 7 + 3) ^ 0x5a); }

struct ElfSegment {
    std::uint64_t paddr;
    std::uint64_t filesz;
    std::uint64_t memsz;
};

struct VmlinuxSpec {
    std::vector<ElfSegment> segments{{0x1000000, 0x3000, 0x5000}, {0x1200000, 0x1000, 0x1000}};
    std::uint64_t entry = 0x1000040;  // physical, for the note
    unsigned note_size = 8;           // 0: no note; 4 or 8 as kernels write it
};

// Program headers (loads, then the note), the note, then each segment's
// bytes page-aligned in the file.
Bytes make_vmlinux(const VmlinuxSpec& spec);

struct BzImageSpec {
    std::uint8_t setup_sects = 4;
    std::uint16_t version = 0x020f;
    std::uint8_t loadflags = 0x01;     // LOADED_HIGH
    std::uint16_t xloadflags = 0x003;  // KERNEL_64, CAN_BE_LOADED_ABOVE_4G
    std::uint8_t relocatable = 1;
    std::uint32_t kernel_alignment = 0x200000;
    std::uint64_t pref_address = 0x1000000;
    std::uint32_t code_size = 0x2000;  // a multiple of 16
    std::uint32_t init_size = 0x400000;
    std::uint32_t cmdline_size = 0x7ff;
    std::uint32_t initrd_addr_max = 0x7fffffff;
};

// A boot sector and setup sectors holding the header, then the code.
Bytes make_bzimage(const BzImageSpec& spec);

void put_le(Bytes& b, std::uint64_t at, std::uint64_t value, unsigned bytes);
std::uint64_t get_le(const std::uint8_t* p, unsigned bytes);

}  // namespace septum::vmm::testing
