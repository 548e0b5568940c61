// The 64-bit boot protocol loader on bzImages built to order: the kernel's
// place, the zero page, the identity page tables (walked by the VMM's own
// page walker), the long-mode entry state, and a clear refusal (guest
// memory untouched) for every bad header and impossible layout.
#include <septum/vmm/linux.hpp>
#include <septum/vmm/paging.hpp>
#include <septum/vmm/vcpu.hpp>

#include "linux_fixture.hpp"

namespace septum::vmm::testing {
namespace {

namespace hdr = bzimage::hdr;
namespace zp = bzimage::zero_page;
using linux_boot::info;

constexpr std::uint64_t mib = 1 << 20;

class BzImageTest : public ::testing::Test {
protected:
    LinuxRam ram{32 * mib};
    Bytes initrd = Bytes(0x2345, 0x66);

    LinuxLoad load(const Bytes& kernel, const char* cmdline = "console=ttyS0 root=/dev/ram0") {
        return load_linux_bzimage(ram.memory(), image_of(kernel), LinuxOptions{ram.map(), cmdline, image_of(initrd)});
    }
    LinuxError refused(const Bytes& kernel, const char* cmdline = "console=ttyS0") {
        ram.reset();
        const LinuxLoad l = load(kernel, cmdline);
        EXPECT_TRUE(ram.untouched()) << "a refused image changed guest memory";
        return l.error;
    }
    LinuxError refused(const BzImageSpec& spec) { return refused(make_bzimage(spec)); }
};

TEST_F(BzImageTest, KernelGoesToItsPreferredAddress) {
    const Bytes image = make_bzimage({});
    const LinuxLoad l = load(image);
    ASSERT_EQ(l.error, LinuxError::ok) << describe(l.error);
    EXPECT_EQ(l.placement.kernel_base, 0x1000000u);
    EXPECT_EQ(l.placement.kernel_end, 0x1400000u);  // init_size
    EXPECT_TRUE(ram.equal(0x1000000, image.data() + 5 * 512, 0x2000));
    EXPECT_EQ(*ram.at(0x1002000), untouched_byte) << "the kernel clears the rest of its room itself";
}

TEST_F(BzImageTest, ZeroPageHoldsHeaderMapCommandLineAndInitrd) {
    const Bytes image = make_bzimage({});
    const LinuxLoad l = load(image);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(ram.le(info, 8), 0u);  // the rest of the page is zero
    EXPECT_EQ(ram.le(info + 0x1ef, 1), 0u) << "the sentinel";
    EXPECT_EQ(ram.le(info + hdr::type_of_loader, 1), 0xffu);
    EXPECT_EQ(ram.le(info + hdr::header, 4), hdr::header_value);
    EXPECT_EQ(ram.le(info + hdr::version, 2), 0x020fu);
    EXPECT_EQ(ram.le(info + hdr::pref_address, 8), 0x1000000u);
    EXPECT_EQ(ram.le(info + hdr::init_size, 4), 0x400000u);
    EXPECT_EQ(ram.le(info + 0x26c, 4), 0u) << "nothing past the header's end";
    EXPECT_EQ(ram.le(info + hdr::code32_start, 4), 0x1000000u);
    EXPECT_EQ(ram.string_at(ram.le(info + hdr::cmd_line_ptr, 4)), "console=ttyS0 root=/dev/ram0");
    EXPECT_EQ(ram.le(info + zp::ext_cmd_line_ptr, 4), 0u);
    const std::uint64_t initrd_at = ram.le(info + hdr::ramdisk_image, 4) | ram.le(info + zp::ext_ramdisk_image, 4)
                                                                               << 32;
    EXPECT_EQ(initrd_at, l.placement.initrd_base);
    EXPECT_EQ(ram.le(info + hdr::ramdisk_size, 4), initrd.size());
    EXPECT_EQ(ram.le(info + zp::ext_ramdisk_size, 4), 0u);
    EXPECT_TRUE(ram.equal(initrd_at, initrd.data(), initrd.size()));
    EXPECT_GE(initrd_at, 0x1400000u);
    EXPECT_GT(initrd_at + initrd.size() + 4096, ram.size());
    ASSERT_EQ(ram.le(info + zp::e820_entries, 1), ram.map().count);
    for (std::size_t i = 0; i < ram.map().count; ++i) {
        const MemoryRegion& r = ram.map().regions[i];
        const std::uint64_t at = info + zp::e820_table + 20 * i;
        EXPECT_EQ(ram.le(at, 8), r.base);
        EXPECT_EQ(ram.le(at + 8, 8), r.size);
        EXPECT_EQ(ram.le(at + 16, 4), static_cast<std::uint32_t>(r.type));
    }
}

TEST_F(BzImageTest, EntryIsStartup64InLongMode) {
    const LinuxLoad l = load(make_bzimage({}));
    ASSERT_TRUE(l.ok());
    const abi::VcpuState& s = l.state;
    EXPECT_EQ(s.rip, 0x1000200u);
    EXPECT_EQ(s.rsi, info);
    EXPECT_EQ(s.cr0 & (x86::cr0::pe | x86::cr0::pg), x86::cr0::pe | x86::cr0::pg);
    EXPECT_NE(s.cr4 & x86::cr4::pae, 0u);
    EXPECT_EQ(s.efer & (x86::efer::lme | x86::efer::lma), x86::efer::lme | x86::efer::lma);
    EXPECT_NE(s.cs.access_rights & x86::access::l, 0u);
    EXPECT_EQ(s.cs.access_rights & x86::access::db, 0u);
    EXPECT_EQ(s.cs.selector, 0x10u);  // __BOOT_CS
    EXPECT_EQ(s.ds.selector, 0x18u);  // __BOOT_DS
    EXPECT_EQ(s.ss.selector, 0x18u);
    expect_flat(s);
    expect_gdt_matches(ram, s);
    EXPECT_TRUE(kernel_would_enter(s));
}

TEST_F(BzImageTest, PageTablesMapTheFirstFourGibToThemselves) {
    const LinuxLoad l = load(make_bzimage({}));
    ASSERT_TRUE(l.ok());
    abi::VcpuPage page{};
    page.state = l.state;
    const Vcpu vcpu(page);
    for (const std::uint64_t a : {std::uint64_t{0}, info, l.placement.entry, l.placement.initrd_base,
                                  std::uint64_t{0x7654321}, std::uint64_t{0xfee00000}, std::uint64_t{0xffffffff}}) {
        const Translation t = translate(ram.memory(), vcpu, a, Access::fetch);
        ASSERT_EQ(t.status, Status::ok) << std::hex << a;
        EXPECT_EQ(t.gpa, a);
    }
    EXPECT_NE(translate(ram.memory(), vcpu, std::uint64_t{1} << 32, Access::read).status, Status::ok);
}

TEST_F(BzImageTest, RelocatableKernelMovesWhenItsPreferredPlaceIsTaken) {
    BzImageSpec spec;
    spec.pref_address = 0x3000000;  // beyond the 32 MiB of RAM
    const LinuxLoad l = load(make_bzimage(spec));
    ASSERT_TRUE(l.ok()) << describe(l.error);
    EXPECT_EQ(l.placement.kernel_base, 2 * mib) << "the lowest 2 MiB-aligned place above 1 MiB";
    EXPECT_EQ(l.state.rip, 2 * mib + 0x200);
    spec.pref_address = 0x1080000;  // not aligned
    EXPECT_EQ(load(make_bzimage(spec)).placement.kernel_base, 2 * mib);
    spec.relocatable = 0;
    spec.pref_address = 0x3000000;
    EXPECT_EQ(refused(spec), LinuxError::kernel_does_not_fit);
}

TEST_F(BzImageTest, InitrdStaysBelowInitrdAddrMax) {
    BzImageSpec spec;
    spec.xloadflags = 0x1;             // not above 4 GiB: the limit holds
    spec.initrd_addr_max = 0x17fffff;  // 24 MiB - 1
    const LinuxLoad l = load(make_bzimage(spec));
    ASSERT_TRUE(l.ok()) << describe(l.error);
    EXPECT_EQ(l.placement.initrd_base, 24 * mib - 0x3000);
    spec.initrd_addr_max = 0xfffff;  // below 1 MiB: conventional memory will do
    const LinuxLoad low = load(make_bzimage(spec));
    ASSERT_TRUE(low.ok()) << describe(low.error);
    EXPECT_EQ(low.placement.initrd_base, 0x9d000u);
    initrd.assign(mib, 1);  // but not for 1 MiB
    EXPECT_EQ(refused(spec), LinuxError::initrd_does_not_fit);
}

TEST_F(BzImageTest, BadHeadersAreRefused) {
    const Bytes good = make_bzimage({});
    Bytes no_magic = good;
    no_magic[hdr::header] = 'X';
    EXPECT_EQ(refused(no_magic), LinuxError::not_bzimage);
    Bytes no_flag = good;
    no_flag[hdr::boot_flag] = 0;
    EXPECT_EQ(refused(no_flag), LinuxError::not_bzimage);
    Bytes no_jump = good;
    no_jump[hdr::jump] = 0x90;
    EXPECT_EQ(refused(no_jump), LinuxError::not_bzimage);
    EXPECT_EQ(refused(Bytes{}), LinuxError::not_bzimage);
    EXPECT_EQ(refused(Bytes(good.begin(), good.begin() + 0x206)), LinuxError::truncated);
    EXPECT_EQ(refused(Bytes(good.begin(), good.begin() + 0x240)), LinuxError::truncated);
    EXPECT_EQ(refused(Bytes(good.begin(), good.end() - 16)), LinuxError::truncated) << "code shorter than syssize";
    Bytes backwards = good;
    backwards[hdr::jump + 1] = 0xfe;
    EXPECT_EQ(refused(backwards), LinuxError::bad_setup_header);
    Bytes short_header = good;
    short_header[hdr::jump + 1] = 0x50;  // ends before init_size
    EXPECT_EQ(refused(short_header), LinuxError::bad_setup_header);
    BzImageSpec spec;
    spec.version = 0x020b;
    EXPECT_EQ(refused(spec), LinuxError::protocol_too_old);
    spec = {};
    spec.xloadflags = 0x2;
    EXPECT_EQ(refused(spec), LinuxError::not_64bit);
    spec = {};
    spec.loadflags = 0;
    EXPECT_EQ(refused(spec), LinuxError::bad_setup_header) << "a zImage";
    spec = {};
    spec.kernel_alignment = 0x300000;
    EXPECT_EQ(refused(spec), LinuxError::bad_setup_header);
    spec.kernel_alignment = 0;
    EXPECT_EQ(refused(spec), LinuxError::bad_setup_header);
    spec = {};
    spec.init_size = 0x1000;  // less than the code
    EXPECT_EQ(refused(spec), LinuxError::bad_setup_header);
    spec = {};
    spec.code_size = 0x200;  // no room for startup_64
    EXPECT_EQ(refused(spec), LinuxError::bad_setup_header);
    spec = {};
    spec.setup_sects = 0;  // means 4
    EXPECT_TRUE(load(make_bzimage(spec)).ok());
}

TEST_F(BzImageTest, LayoutsThatCannotWorkAreRefused) {
    const Bytes good = make_bzimage({});
    initrd.assign(40 * mib, 1);
    EXPECT_EQ(refused(good), LinuxError::initrd_does_not_fit) << "an initrd larger than RAM";
    initrd.assign(16, 1);
    BzImageSpec spec;
    spec.init_size = 40 * mib;
    EXPECT_EQ(refused(spec), LinuxError::kernel_does_not_fit);
    spec = {};
    spec.cmdline_size = 8;
    EXPECT_EQ(refused(make_bzimage(spec), "123456789"), LinuxError::command_line_too_long);
    EXPECT_TRUE(load(make_bzimage(spec), "12345678").ok());
}

}  // namespace
}  // namespace septum::vmm::testing
