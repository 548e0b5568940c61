// Both Linux loaders on Debian's own kernel (docs/linux-guest.md), when
// the build has it: the bzImage ./septum fetched, the vmlinux and the
// initramfs the build made from it. The test reads every fact it checks
// (segments, note, setup header) from the files itself, so a new Debian
// kernel needs no change here. Without the files the tests are skipped.
#include <septum/vmm/linux.hpp>
#include <septum/vmm/paging.hpp>
#include <septum/vmm/vcpu.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "linux_fixture.hpp"

namespace septum::vmm::testing {
namespace {

namespace hdr = bzimage::hdr;
namespace si = pvh::start_info;
using linux_boot::info;

constexpr std::uint64_t mib = 1 << 20;
constexpr const char* command_line = "console=ttyS0 quiet";

Bytes read_file(const char* variable) {
    const char* path = std::getenv(variable);
    if (path == nullptr) {
        return {};
    }
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class DebianKernelTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        vmlinux_ = new Bytes(read_file("SEPTUM_LINUX_VMLINUX"));
        bzimage_ = new Bytes(read_file("SEPTUM_LINUX_BZIMAGE"));
        initramfs_ = new Bytes(read_file("SEPTUM_LINUX_INITRAMFS"));
    }
    static void TearDownTestSuite() {
        delete vmlinux_;
        delete bzimage_;
        delete initramfs_;
    }
    void SetUp() override {
        if (vmlinux_->empty() || bzimage_->empty() || initramfs_->empty()) {
            GTEST_SKIP() << "no Linux guest in the build (./septum build fetches it: docs/linux-guest.md)";
        }
    }
    static const Bytes& vmlinux() { return *vmlinux_; }
    static const Bytes& bzimage() { return *bzimage_; }
    static const Bytes& initramfs() { return *initramfs_; }

private:
    static inline Bytes* vmlinux_ = nullptr;
    static inline Bytes* bzimage_ = nullptr;
    static inline Bytes* initramfs_ = nullptr;
};

TEST_F(DebianKernelTest, VmlinuxBootsThroughPvh) {
    LinuxRam ram(128 * mib);
    const LinuxLoad l =
        load_linux_pvh(ram.memory(), image_of(vmlinux()), LinuxOptions{ram.map(), command_line, image_of(initramfs())});
    ASSERT_EQ(l.error, LinuxError::ok) << describe(l.error);
    // Every loadable segment's file bytes at its physical address.
    const Bytes& f = vmlinux();
    const std::uint64_t phoff = get_le(&f[32], 8), phnum = get_le(&f[56], 2);
    unsigned loads = 0;
    bool entry_in_code = false;
    for (std::uint64_t i = 0; i < phnum; ++i) {
        const std::uint8_t* ph = &f[phoff + i * 56];
        if (get_le(ph, 4) != 1) {
            continue;
        }
        const std::uint64_t offset = get_le(ph + 8, 8), paddr = get_le(ph + 24, 8), filesz = get_le(ph + 32, 8);
        EXPECT_TRUE(ram.equal(paddr, &f[offset], filesz)) << "segment " << i;
        entry_in_code = entry_in_code || (l.state.rip >= paddr && l.state.rip < paddr + filesz);
        ++loads;
    }
    EXPECT_GE(loads, 2u);
    EXPECT_TRUE(entry_in_code);
    EXPECT_EQ(l.state.rbx, info);
    EXPECT_EQ(l.state.cr0 & (x86::cr0::pe | x86::cr0::pg), x86::cr0::pe);
    EXPECT_TRUE(kernel_would_enter(l.state));
    EXPECT_EQ(ram.le(info + si::magic, 4), pvh::start_info::magic_value);
    EXPECT_EQ(ram.string_at(ram.le(info + si::cmdline_paddr, 8)), command_line);
    const std::uint64_t module = ram.le(info + si::modlist_paddr, 8);
    EXPECT_EQ(ram.le(module + 8, 8), initramfs().size());
    EXPECT_TRUE(ram.equal(ram.le(module, 8), initramfs().data(), initramfs().size()));
    EXPECT_GE(l.placement.initrd_base, l.placement.kernel_end);
}

TEST_F(DebianKernelTest, BzImageBootsThroughThe64BitProtocol) {
    LinuxRam ram(128 * mib);
    const LinuxLoad l = load_linux_bzimage(ram.memory(), image_of(bzimage()),
                                           LinuxOptions{ram.map(), command_line, image_of(initramfs())});
    ASSERT_EQ(l.error, LinuxError::ok) << describe(l.error);
    const Bytes& f = bzimage();
    const std::uint64_t setup = (get_le(&f[hdr::setup_sects], 1) + 1) * 512;
    const std::uint64_t code = get_le(&f[hdr::syssize], 4) * 16;
    EXPECT_EQ(l.placement.kernel_base, get_le(&f[hdr::pref_address], 8));
    EXPECT_EQ(l.placement.kernel_end - l.placement.kernel_base, get_le(&f[hdr::init_size], 4));
    EXPECT_TRUE(ram.equal(l.placement.kernel_base, &f[setup], code));
    EXPECT_EQ(l.state.rip, l.placement.kernel_base + 0x200);
    EXPECT_EQ(l.state.rsi, info);
    EXPECT_TRUE(kernel_would_enter(l.state));
    // The zero page holds the image's setup header with the loader's fields.
    EXPECT_TRUE(ram.equal(info + hdr::boot_flag, &f[hdr::boot_flag], hdr::type_of_loader - hdr::boot_flag));
    EXPECT_EQ(ram.le(info + hdr::type_of_loader, 1), 0xffu);
    EXPECT_EQ(ram.string_at(ram.le(info + hdr::cmd_line_ptr, 4)), command_line);
    EXPECT_EQ(ram.le(info + hdr::ramdisk_size, 4), initramfs().size());
    EXPECT_TRUE(ram.equal(ram.le(info + hdr::ramdisk_image, 4), initramfs().data(), initramfs().size()));
    // startup_64 is reachable through the page tables it starts on.
    abi::VcpuPage page{};
    page.state = l.state;
    const Translation t = translate(ram.memory(), Vcpu(page), l.state.rip, Access::fetch);
    EXPECT_EQ(t.status, Status::ok);
    EXPECT_EQ(t.gpa, l.state.rip);
}

TEST_F(DebianKernelTest, DamagedCopiesAreRefused) {
    LinuxRam ram(128 * mib);
    const LinuxOptions options{ram.map(), command_line, image_of(initramfs())};
    const Bytes& v = vmlinux();
    EXPECT_EQ(load_linux_pvh(ram.memory(), Image{v.data(), v.size() / 2}, options).error, LinuxError::truncated);
    EXPECT_EQ(load_linux_pvh(ram.memory(), Image{v.data(), 100}, options).error, LinuxError::bad_program_headers);
    Bytes bad_header(bzimage().begin(), bzimage().begin() + 0x1000);
    EXPECT_EQ(load_linux_bzimage(ram.memory(), image_of(bad_header), options).error, LinuxError::truncated);
    bad_header[hdr::header] ^= 0xff;
    EXPECT_EQ(load_linux_bzimage(ram.memory(), image_of(bad_header), options).error, LinuxError::not_bzimage);
    // The uncompressed kernel as an initrd: more than the RAM beside the
    // kernel holds.
    const LinuxOptions huge_initrd{ram.map(), command_line, image_of(vmlinux())};
    EXPECT_EQ(load_linux_pvh(ram.memory(), image_of(vmlinux()), huge_initrd).error, LinuxError::initrd_does_not_fit);
    EXPECT_EQ(load_linux_bzimage(ram.memory(), image_of(bzimage()), huge_initrd).error,
              LinuxError::initrd_does_not_fit);
    EXPECT_TRUE(ram.untouched());
    LinuxRam small(64 * mib);
    const LinuxOptions too_small{small.map(), command_line, {}};
    EXPECT_EQ(load_linux_pvh(small.memory(), image_of(vmlinux()), too_small).error, LinuxError::segment_outside_ram);
    EXPECT_EQ(load_linux_bzimage(small.memory(), image_of(bzimage()), too_small).error,
              LinuxError::kernel_does_not_fit);
    EXPECT_TRUE(small.untouched());
}

}  // namespace
}  // namespace septum::vmm::testing
