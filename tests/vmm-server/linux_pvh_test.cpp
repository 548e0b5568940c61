// The PVH loader on vmlinux images built to order: where every byte goes,
// the start information, the entry state, and a clear refusal (with guest
// memory untouched) for every malformed image and impossible layout.
#include <septum/vmm/linux.hpp>

#include "linux_fixture.hpp"

namespace septum::vmm::testing {
namespace {

namespace si = pvh::start_info;
using linux_boot::info;

constexpr std::uint64_t mib = 1 << 20;

class PvhTest : public ::testing::Test {
protected:
    LinuxRam ram{32 * mib};
    Bytes initrd = Bytes(0x3456, 0x77);

    LinuxLoad load(const Bytes& kernel, const char* cmdline = "console=ttyS0 quiet", bool with_initrd = true) {
        return load_linux_pvh(ram.memory(), image_of(kernel),
                              LinuxOptions{ram.map(), cmdline, with_initrd ? image_of(initrd) : Image{nullptr, 0}});
    }
    LinuxError refused(const Bytes& kernel, const char* cmdline = "console=ttyS0") {
        ram.reset();
        const LinuxLoad l = load(kernel, cmdline);
        EXPECT_TRUE(ram.untouched()) << "a refused image changed guest memory";
        return l.error;
    }
};

TEST_F(PvhTest, SegmentsGoToTheirPhysicalAddresses) {
    const LinuxLoad l = load(make_vmlinux({}));
    ASSERT_EQ(l.error, LinuxError::ok) << describe(l.error);
    for (std::uint64_t i = 0; i < 0x3000; i += 0x7ff) {
        EXPECT_EQ(*ram.at(0x1000000 + i), code_byte(0x1000000 + i)) << i;
    }
    EXPECT_EQ(*ram.at(0x1200fff), code_byte(0x1200fff));
    EXPECT_TRUE(std::all_of(ram.at(0x1003000), ram.at(0x1005000), [](std::uint8_t b) { return b == 0; }))
        << "the part beyond the file bytes is zeroed";
    EXPECT_EQ(*ram.at(0x1005000), untouched_byte);
    EXPECT_EQ(l.placement.kernel_base, 0x1000000u);
    EXPECT_EQ(l.placement.kernel_end, 0x1201000u);
}

TEST_F(PvhTest, StartInfoCarriesMapCommandLineAndInitrd) {
    const LinuxLoad l = load(make_vmlinux({}));
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(ram.le(info + si::magic, 4), 0x336ec578u);
    EXPECT_EQ(ram.le(info + si::version, 4), 1u);
    EXPECT_EQ(ram.le(info + si::flags, 4), 0u);
    EXPECT_EQ(ram.le(info + si::rsdp_paddr, 8), 0u);
    EXPECT_EQ(ram.string_at(ram.le(info + si::cmdline_paddr, 8)), "console=ttyS0 quiet");
    ASSERT_EQ(ram.le(info + si::nr_modules, 4), 1u);
    const std::uint64_t module = ram.le(info + si::modlist_paddr, 8);
    const std::uint64_t initrd_at = ram.le(module, 8);
    EXPECT_EQ(ram.le(module + 8, 8), initrd.size());
    EXPECT_EQ(ram.le(module + 16, 8), 0u);  // no module command line
    EXPECT_EQ(initrd_at, l.placement.initrd_base);
    EXPECT_EQ(initrd_at % 4096, 0u);
    EXPECT_TRUE(ram.equal(initrd_at, initrd.data(), initrd.size()));
    EXPECT_GE(initrd_at, 0x1201000u);  // above the kernel, ending at the top of RAM
    EXPECT_LE(initrd_at + initrd.size(), ram.size());
    EXPECT_GT(initrd_at + initrd.size() + 4096, ram.size());
    const std::uint64_t map = ram.le(info + si::memmap_paddr, 8);
    ASSERT_EQ(ram.le(info + si::memmap_entries, 4), ram.map().count);
    for (std::size_t i = 0; i < ram.map().count; ++i) {
        const MemoryRegion& r = ram.map().regions[i];
        EXPECT_EQ(ram.le(map + 24 * i, 8), r.base);
        EXPECT_EQ(ram.le(map + 24 * i + 8, 8), r.size);
        EXPECT_EQ(ram.le(map + 24 * i + 16, 4), static_cast<std::uint32_t>(r.type));
        EXPECT_EQ(ram.le(map + 24 * i + 20, 4), 0u);
    }
}

TEST_F(PvhTest, MemoryMapIsThePcLayout) {
    const MemoryMap& m = ram.map();
    ASSERT_EQ(m.count, 3u);
    EXPECT_EQ(m.regions[0].base, 0u);
    EXPECT_EQ(m.regions[0].size, 0x9fc00u);
    EXPECT_EQ(m.regions[1].type, RegionType::reserved);
    EXPECT_EQ(m.regions[1].base + m.regions[1].size, mib);
    EXPECT_EQ(m.regions[2].base, mib);
    EXPECT_EQ(m.regions[2].base + m.regions[2].size, ram.size());
    EXPECT_EQ(m.regions[2].type, RegionType::ram);
}

TEST_F(PvhTest, EntryStateIsThePvhAbi) {
    const LinuxLoad l = load(make_vmlinux({}));
    ASSERT_TRUE(l.ok());
    const abi::VcpuState& s = l.state;
    EXPECT_EQ(s.rip, 0x1000040u);
    EXPECT_EQ(l.placement.entry, 0x1000040u);
    EXPECT_EQ(s.rbx, info);
    EXPECT_EQ(s.cr0 & (x86::cr0::pe | x86::cr0::pg), x86::cr0::pe);
    EXPECT_EQ(s.cr4, 0u);
    EXPECT_EQ(s.efer, 0u);
    EXPECT_NE(s.cs.access_rights & x86::access::db, 0u);  // 32-bit code
    EXPECT_EQ(s.cs.access_rights & x86::access::l, 0u);
    expect_flat(s);
    expect_gdt_matches(ram, s);
    EXPECT_TRUE(kernel_would_enter(s));
}

TEST_F(PvhTest, WithoutInitrdThereIsNoModule) {
    const LinuxLoad l = load(make_vmlinux({}), nullptr, false);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(ram.le(info + si::nr_modules, 4), 0u);
    EXPECT_EQ(l.placement.initrd_size, 0u);
    EXPECT_EQ(ram.string_at(ram.le(info + si::cmdline_paddr, 8)), "");
}

TEST_F(PvhTest, FourByteNoteIsTakenToo) {
    VmlinuxSpec spec;
    spec.note_size = 4;
    spec.entry = 0x1200010;
    const LinuxLoad l = load(make_vmlinux(spec));
    ASSERT_TRUE(l.ok()) << describe(l.error);
    EXPECT_EQ(l.state.rip, 0x1200010u);
}

TEST_F(PvhTest, InitrdGoesBelowTheKernelWhenAboveIsFull) {
    VmlinuxSpec spec;
    spec.segments = {{0x1000000, 0x1000, 31 * mib - 0x1000000}};  // up to 31 MiB
    spec.entry = 0x1000000;
    initrd.assign(2 * mib, 0x42);
    const LinuxLoad l = load(make_vmlinux(spec));
    ASSERT_TRUE(l.ok()) << describe(l.error);
    EXPECT_EQ(l.placement.initrd_base + initrd.size(), 0x1000000u);
    EXPECT_TRUE(ram.equal(l.placement.initrd_base, initrd.data(), initrd.size()));
}

TEST_F(PvhTest, InitrdStaysOutOfTheGapsBetweenSegments) {
    VmlinuxSpec spec;
    spec.segments = {{0x1000000, 0x1000, 0x1000}, {30 * mib, 0x1000, 0x1000}};
    spec.entry = 0x1000000;
    initrd.assign(2 * mib, 0x42);
    const LinuxLoad l = load(make_vmlinux(spec));
    ASSERT_TRUE(l.ok()) << describe(l.error);
    EXPECT_EQ(l.placement.kernel_end, 30 * mib + 0x1000);
    EXPECT_EQ(l.placement.initrd_base + initrd.size(), 0x1000000u) << "Linux reserves its image, gaps included";
}

TEST_F(PvhTest, MalformedImagesAreRefused) {
    const Bytes good = make_vmlinux({});
    EXPECT_EQ(refused(Bytes{}), LinuxError::not_elf64);
    EXPECT_EQ(refused(Bytes(4096, 0x90)), LinuxError::not_elf64);
    EXPECT_EQ(refused(Bytes(good.begin(), good.begin() + 40)), LinuxError::truncated);
    EXPECT_EQ(refused(Bytes(good.begin(), good.begin() + 100)), LinuxError::bad_program_headers);
    EXPECT_EQ(refused(Bytes(good.begin(), good.end() - 1)), LinuxError::truncated);  // in the last segment
    Bytes wrong_machine = good;
    put_le(wrong_machine, 18, 3, 2);
    EXPECT_EQ(refused(wrong_machine), LinuxError::not_elf64);
    Bytes elf32 = good;
    elf32[4] = 1;
    EXPECT_EQ(refused(elf32), LinuxError::not_elf64);
    Bytes short_entries = good;
    put_le(short_entries, 54, 32, 2);  // phentsize
    EXPECT_EQ(refused(short_entries), LinuxError::bad_program_headers);
}

TEST_F(PvhTest, BadSegmentsAreRefused) {
    auto with = [](std::vector<ElfSegment> segments, std::uint64_t entry = 0x1000040) {
        VmlinuxSpec spec;
        spec.segments = std::move(segments);
        spec.entry = entry;
        return make_vmlinux(spec);
    };
    EXPECT_EQ(refused(with({})), LinuxError::no_segments);
    EXPECT_EQ(refused(with({{0x1000000, 0x2000, 0x1000}})), LinuxError::bad_segment);  // filesz > memsz
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, 0x1000}, {0x1000800, 0x1000, 0x1000}})), LinuxError::segments_overlap);
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, 0x1000}, {0x7000, 0x1000, 0x1000}})), LinuxError::segments_overlap)
        << "over the boot data";
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, 0x1000}, {0x1000, 0x1000, 0x1000}}, 0x1000)),
              LinuxError::segments_overlap)
        << "around the boot data";
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, 0x1000}, {31 * mib, 0x1000, 2 * mib}})),
              LinuxError::segment_outside_ram);
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, 0x1000}, {0xa0000, 0x1000, 0x1000}})), LinuxError::segment_outside_ram)
        << "in the reserved hole below 1 MiB";
    EXPECT_EQ(refused(with({{0x1000000, 0x1000, ~std::uint64_t{0} - 0x100}})), LinuxError::bad_segment);  // wraps
    EXPECT_EQ(refused(with({{0xfffff000, 0x1000, 0x2000}})), LinuxError::segment_outside_ram);
    std::vector<ElfSegment> many(17, ElfSegment{0, 0x10, 0x10});
    for (std::size_t i = 0; i < many.size(); ++i) {
        many[i].paddr = 0x1000000 + i * 0x1000;
    }
    EXPECT_EQ(refused(with(many)), LinuxError::too_many_segments);
}

TEST_F(PvhTest, EntryMustBeNamedAndInCode) {
    VmlinuxSpec spec;
    spec.note_size = 0;
    EXPECT_EQ(refused(make_vmlinux(spec)), LinuxError::no_pvh_entry);
    spec.note_size = 8;
    spec.entry = 0x1004000;  // in the zeroed part
    EXPECT_EQ(refused(make_vmlinux(spec)), LinuxError::bad_pvh_entry);
    spec.entry = 0x100001000000;  // above 4 GiB
    EXPECT_EQ(refused(make_vmlinux(spec)), LinuxError::bad_pvh_entry);
    spec.note_size = 2;
    spec.entry = 0x0040;
    EXPECT_EQ(refused(make_vmlinux(spec)), LinuxError::bad_pvh_entry);
    Bytes broken = make_vmlinux({});
    put_le(broken, 64 + 2 * 56 + 32, 0x100000, 8);  // the note segment's file size runs past the image
    EXPECT_EQ(refused(broken), LinuxError::truncated);
}

TEST_F(PvhTest, LayoutsThatCannotWorkAreRefused) {
    const Bytes good = make_vmlinux({});
    initrd.assign(33 * mib, 1);
    EXPECT_EQ(refused(good), LinuxError::initrd_does_not_fit) << "an initrd larger than RAM";
    initrd.assign(30 * mib, 1);
    EXPECT_EQ(refused(good), LinuxError::initrd_does_not_fit) << "fits RAM, not beside the kernel";
    initrd.assign(16, 1);
    const std::string long_line(2048, 'x');
    EXPECT_EQ(refused(good, long_line.c_str()), LinuxError::command_line_too_long);
    const std::string longest(2047, 'x');
    EXPECT_TRUE(load(good, longest.c_str()).ok());
}

TEST_F(PvhTest, BadMemoryMapsAreRefused) {
    const Bytes good = make_vmlinux({});
    auto with_map = [&](std::vector<MemoryRegion> regions) {
        ram.reset();
        const LinuxLoad l = load_linux_pvh(ram.memory(), image_of(good),
                                           LinuxOptions{MemoryMap{regions.data(), regions.size()}, nullptr, {}});
        EXPECT_TRUE(ram.untouched());
        return l.error;
    };
    const std::uint64_t top = ram.size();
    EXPECT_EQ(with_map({}), LinuxError::bad_memory_map);
    EXPECT_EQ(with_map({{mib, top - mib, RegionType::ram}, {0, 0x9fc00, RegionType::ram}}),
              LinuxError::bad_memory_map);  // unsorted
    EXPECT_EQ(with_map({{0, 2 * mib, RegionType::ram}, {mib, top - mib, RegionType::ram}}),
              LinuxError::bad_memory_map);                                                // overlapping
    EXPECT_EQ(with_map({{0, top + 4096, RegionType::ram}}), LinuxError::bad_memory_map);  // RAM not backed
    EXPECT_EQ(with_map({{0, top, RegionType::reserved}}), LinuxError::bad_memory_map);    // no RAM
    EXPECT_EQ(with_map({{0, top, static_cast<RegionType>(9)}}), LinuxError::bad_memory_map);
    EXPECT_EQ(with_map({{0, 0, RegionType::ram}, {mib, top - mib, RegionType::ram}}), LinuxError::bad_memory_map);
    EXPECT_EQ(with_map({{mib, top - mib, RegionType::ram}}), LinuxError::boot_data_outside_ram);
    std::vector<MemoryRegion> long_map;
    for (std::uint64_t i = 0; i < max_memory_regions + 1; ++i) {
        long_map.push_back({i * mib, mib, RegionType::ram});
    }
    EXPECT_EQ(with_map(long_map), LinuxError::bad_memory_map);
    // A hole at 16-17 MiB splits the first segment's place.
    EXPECT_EQ(with_map({{0, 0x9fc00, RegionType::ram},
                        {mib, 15 * mib, RegionType::ram},
                        {17 * mib, top - 17 * mib, RegionType::ram}}),
              LinuxError::segment_outside_ram);
}

TEST(LinuxErrors, EachHasItsOwnSentenceAndAStatus) {
    std::vector<std::string> seen;
    for (auto e = static_cast<std::uint8_t>(LinuxError::ok); e <= static_cast<std::uint8_t>(LinuxError::memory_failed);
         ++e) {
        const std::string s = describe(static_cast<LinuxError>(e));
        EXPECT_FALSE(s.empty());
        EXPECT_EQ(std::find(seen.begin(), seen.end(), s), seen.end()) << s;
        seen.push_back(s);
        EXPECT_EQ(status_of(static_cast<LinuxError>(e)) == Status::ok, e == 0);
    }
    EXPECT_EQ(status_of(LinuxError::initrd_does_not_fit), Status::out_of_range);
    EXPECT_EQ(status_of(LinuxError::not_bzimage), Status::invalid_argument);
}

}  // namespace
}  // namespace septum::vmm::testing
