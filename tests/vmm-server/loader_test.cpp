#include <septum/vmm/loader.hpp>

#include <cstring>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}
void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v);
    b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

// A Multiboot ELF32 kernel: header at 0x60, one program header, code at
// file offset 0x100 loaded at 0x100000 with 0x40 bytes of BSS.
Bytes multiboot_elf(std::uint32_t paddr = 0x100000, std::uint32_t flags = 3) {
    Bytes b(0x110, 0);
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    std::memcpy(b.data(), ident, sizeof ident);
    put16(b, 16, 2);                 // ET_EXEC
    put16(b, 18, 3);                 // EM_386
    put32(b, 20, 1);                 // version
    put32(b, 24, 0xc0100004);        // entry (virtual, higher half)
    put32(b, 28, 0x34);              // phoff
    put16(b, 40, 52);                // ehsize
    put16(b, 42, 32);                // phentsize
    put16(b, 44, 1);                 // phnum
    put32(b, 0x34 + 0, 1);           // PT_LOAD
    put32(b, 0x34 + 4, 0x100);       // offset
    put32(b, 0x34 + 8, 0xc0100000);  // vaddr
    put32(b, 0x34 + 12, paddr);      // paddr
    put32(b, 0x34 + 16, 0x10);       // filesz
    put32(b, 0x34 + 20, 0x50);       // memsz
    put32(b, 0x60, multiboot_header_magic);
    put32(b, 0x64, flags);
    put32(b, 0x68, static_cast<std::uint32_t>(0u - multiboot_header_magic - flags));
    for (int i = 0; i < 0x10; ++i) {
        b[0x100 + i] = static_cast<std::uint8_t>(0xa0 + i);
    }
    return b;
}

class LoaderTest : public VmmTest {
protected:
    LoaderTest() {
        ram.assign(ram_size, 0);
        big_ram.assign(2 << 20, 0xcc);
    }
    Result<abi::VcpuState> load(const Bytes& image, const char* cmdline = nullptr, std::uint64_t info = 0x9000) {
        return load_multiboot(big, Image{image.data(), image.size()}, MultibootOptions{big_ram.size(), info, cmdline});
    }
    std::vector<std::uint8_t> big_ram;
    RamGuestMemory big{nullptr, 0};

    void SetUp() override { big = RamGuestMemory{big_ram.data(), big_ram.size()}; }
};

TEST_F(LoaderTest, FlatBinaryInRealMode) {
    const Bytes code = {0xb0, 'A', 0xe6, 0xe9, 0xf4};
    auto s = load_flat(memory, Image{code.data(), code.size()}, 0x7c00);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(ram[0x7c00], 0xb0);
    EXPECT_EQ(ram[0x7c04], 0xf4);
    EXPECT_EQ(s.value().cs.selector, 0x7c0u);
    EXPECT_EQ(s.value().cs.base + s.value().rip, 0x7c00u);
    EXPECT_EQ(s.value().cr0 & x86::cr0::pe, 0u);
    EXPECT_NE(s.value().ldtr.access_rights & x86::access::unusable, 0u);
    EXPECT_EQ(load_flat(memory, Image{code.data(), code.size()}, 0x100000).status(), Status::invalid_argument);
    EXPECT_EQ(load_flat(memory, Image{code.data(), 0}, 0x7c00).status(), Status::invalid_argument);
    Bytes huge(ram_size, 0x90);
    EXPECT_EQ(load_flat(memory, Image{huge.data(), huge.size()}, 0x1000).status(), Status::out_of_range);
}

TEST_F(LoaderTest, MultibootKernel) {
    const Bytes elf = multiboot_elf();
    auto s = load(elf, "console=ttyS0");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(big_ram[0x100000], 0xa0);
    EXPECT_EQ(big_ram[0x10000f], 0xaf);
    EXPECT_EQ(big_ram[0x100010], 0);  // BSS cleared
    EXPECT_EQ(big_ram[0x10004f], 0);
    EXPECT_EQ(big_ram[0x100050], 0xcc);  // and no further
    const abi::VcpuState& st = s.value();
    EXPECT_EQ(st.rax, 0x2badb002u);
    EXPECT_EQ(st.rbx, 0x9000u);
    EXPECT_EQ(st.rip, 0x100004u);  // the physical entry
    EXPECT_EQ(st.cr0 & (x86::cr0::pe | x86::cr0::pg), x86::cr0::pe);
    EXPECT_EQ(st.rflags & (x86::rflags::if_ | x86::rflags::vm), 0u);
    EXPECT_EQ(st.cs.limit, 0xffffffffu);
    EXPECT_NE(st.cs.access_rights & x86::access::db, 0u);
    std::uint32_t flags = 0, lower = 0, upper = 0, cmdline = 0, mmap_len = 0;
    ASSERT_EQ(big.read_u32(0x9000, flags), Status::ok);
    ASSERT_EQ(big.read_u32(0x9004, lower), Status::ok);
    ASSERT_EQ(big.read_u32(0x9008, upper), Status::ok);
    ASSERT_EQ(big.read_u32(0x9010, cmdline), Status::ok);
    ASSERT_EQ(big.read_u32(0x902c, mmap_len), Status::ok);
    EXPECT_EQ(flags, (1u << 0) | (1u << 2) | (1u << 6));
    EXPECT_EQ(lower, 639u);
    EXPECT_EQ(upper, 1024u);
    EXPECT_EQ(mmap_len, 48u);
    EXPECT_STREQ(reinterpret_cast<const char*>(&big_ram[cmdline]), "console=ttyS0");
}

TEST_F(LoaderTest, MalformedImagesAreRefused) {
    const Bytes good = multiboot_elf();
    EXPECT_EQ(load(Bytes{}).status(), Status::invalid_argument);
    EXPECT_EQ(load(Bytes(good.begin(), good.begin() + 40)).status(), Status::invalid_argument);
    Bytes no_header = good;
    put32(no_header, 0x60, 0);
    EXPECT_EQ(load(no_header).status(), Status::invalid_argument);
    EXPECT_EQ(load(multiboot_elf(0x100000, 1u << 2)).status(), Status::invalid_argument);  // wants a video mode
    Bytes elf64 = good;
    elf64[4] = 2;
    EXPECT_EQ(load(elf64).status(), Status::invalid_argument);
    Bytes bad_machine = good;
    put16(bad_machine, 18, 62);
    EXPECT_EQ(load(bad_machine).status(), Status::invalid_argument);
    Bytes many = good;
    put16(many, 44, 0xffff);
    EXPECT_EQ(load(many).status(), Status::invalid_argument);
    Bytes ph_outside = good;
    put32(ph_outside, 28, 0xfffffff0);
    EXPECT_EQ(load(ph_outside).status(), Status::out_of_range);
    Bytes file_outside = good;
    put32(file_outside, 0x34 + 4, 0xffffff00);
    EXPECT_EQ(load(file_outside).status(), Status::out_of_range);
    Bytes filesz_big = good;
    put32(filesz_big, 0x34 + 16, 0x60);  // filesz > memsz
    EXPECT_EQ(load(filesz_big).status(), Status::out_of_range);
    Bytes entry_outside = good;
    put32(entry_outside, 24, 0x12345678);
    EXPECT_EQ(load(entry_outside).status(), Status::invalid_argument);
    Bytes no_load = good;
    put32(no_load, 0x34, 4);  // PT_NOTE only
    EXPECT_EQ(load(no_load).status(), Status::invalid_argument);
}

TEST_F(LoaderTest, SegmentsAndInformationMustFitInRam) {
    EXPECT_EQ(load(multiboot_elf(0x1ffff0)).status(), Status::out_of_range);  // runs past 2 MiB
    EXPECT_EQ(load(multiboot_elf(0xfffffff0)).status(), Status::out_of_range);
    EXPECT_EQ(load(multiboot_elf(), nullptr, 0x1fffff).status(), Status::out_of_range);
    EXPECT_EQ(load(multiboot_elf(), nullptr, 0x100000).status(), Status::invalid_argument);  // overlaps the kernel
    EXPECT_EQ(big_ram[0x100000], 0xcc);  // refused before writing anything
}

}  // namespace
}  // namespace septum::vmm::testing
