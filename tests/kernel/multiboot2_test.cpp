// The Multiboot2 parser reads memory a loader wrote: these tests give it
// well-formed and malformed information and check that it never reads past
// what it was told is mapped (AddressSanitizer watches the buffer bounds).
#include "multiboot2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

using namespace septum::boot;

namespace {

class InfoBuilder {
public:
    InfoBuilder& string_tag(std::uint32_t type, const char* s) {
        const auto len = static_cast<std::uint32_t>(std::strlen(s) + 1);
        std::vector<std::uint8_t> body(s, s + len);
        return tag(type, body);
    }

    InfoBuilder& mmap(const std::vector<MemoryRegion>& regions, std::uint32_t entry_size = 24) {
        std::vector<std::uint8_t> body(8 + regions.size() * entry_size, 0);
        std::memcpy(body.data(), &entry_size, 4);
        for (std::size_t i = 0; i < regions.size(); ++i) {
            std::memcpy(body.data() + 8 + i * entry_size, &regions[i], std::min<std::size_t>(20, entry_size));
        }
        return tag(6, body);
    }

    InfoBuilder& tag(std::uint32_t type, const std::vector<std::uint8_t>& body) {
        const auto size = static_cast<std::uint32_t>(8 + body.size());
        std::vector<std::uint8_t> t(8);
        std::memcpy(t.data(), &type, 4);
        std::memcpy(t.data() + 4, &size, 4);
        t.insert(t.end(), body.begin(), body.end());
        t.resize((t.size() + 7) & ~std::size_t{7}, 0);
        bytes_.insert(bytes_.end(), t.begin(), t.end());
        return *this;
    }

    InfoBuilder& end() { return tag(0, {}); }

    // An exactly-sized, 8-byte aligned heap copy, so ASan sees overreads.
    std::unique_ptr<std::uint64_t[]> build(std::size_t& size) const {
        size = 8 + bytes_.size();
        auto buf = std::make_unique<std::uint64_t[]>(size / 8);
        const auto total = static_cast<std::uint32_t>(size);
        std::memcpy(buf.get(), &total, 4);
        std::memcpy(reinterpret_cast<std::uint8_t*>(buf.get()) + 8, bytes_.data(), bytes_.size());
        return buf;
    }

private:
    std::vector<std::uint8_t> bytes_;
};

// BootInfo points into the information, so the buffer outlives the test.
ParseError parse(const InfoBuilder& b, BootInfo& info) {
    static std::vector<std::unique_ptr<std::uint64_t[]>> keep;
    std::size_t size = 0;
    keep.push_back(b.build(size));
    return parse_multiboot2(multiboot2_magic, reinterpret_cast<const std::uint8_t*>(keep.back().get()), size, info);
}

TEST(Multiboot2, ReadsCommandLineLoaderAndMemoryMap) {
    InfoBuilder b;
    b.string_tag(1, "septum.exit=emulator").string_tag(2, "GRUB 2.06");
    b.mmap({{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x7f00000, 1}}).end();
    BootInfo info;
    ASSERT_EQ(parse(b, info), ParseError::none);
    EXPECT_STREQ(info.cmdline, "septum.exit=emulator");
    EXPECT_STREQ(info.loader_name, "GRUB 2.06");
    ASSERT_EQ(info.region_count, 3u);
    EXPECT_EQ(info.regions[2].base, 0x100000u);
    EXPECT_EQ(info.usable_bytes, 0x9fc00u + 0x7f00000u);
}

TEST(Multiboot2, RejectsWrongMagic) {
    BootInfo info;
    std::uint64_t buf[2] = {16, 0x0000000800000000};
    EXPECT_EQ(parse_multiboot2(0x2badb002, reinterpret_cast<std::uint8_t*>(buf), 16, info), ParseError::bad_magic);
}

TEST(Multiboot2, RejectsTotalSizeBeyondMapping) {
    InfoBuilder b;
    b.mmap({{0, 0x1000, 1}}).end();
    std::size_t size = 0;
    auto buf = b.build(size);
    BootInfo info;
    EXPECT_EQ(parse_multiboot2(multiboot2_magic, reinterpret_cast<std::uint8_t*>(buf.get()), size - 8, info),
              ParseError::truncated);
}

TEST(Multiboot2, RejectsTagRunningPastEnd) {
    InfoBuilder b;
    b.mmap({{0, 0x1000, 1}}).end();
    std::size_t size = 0;
    auto buf = b.build(size);
    auto* bytes = reinterpret_cast<std::uint8_t*>(buf.get());
    const std::uint32_t huge = 0x1000;
    std::memcpy(bytes + 12, &huge, 4);  // first tag's size
    BootInfo info;
    EXPECT_EQ(parse_multiboot2(multiboot2_magic, bytes, size, info), ParseError::bad_tag);
}

TEST(Multiboot2, RejectsTagSmallerThanItsHeader) {
    InfoBuilder b;
    b.mmap({{0, 0x1000, 1}}).end();
    std::size_t size = 0;
    auto buf = b.build(size);
    auto* bytes = reinterpret_cast<std::uint8_t*>(buf.get());
    const std::uint32_t tiny = 4;
    std::memcpy(bytes + 12, &tiny, 4);
    BootInfo info;
    EXPECT_EQ(parse_multiboot2(multiboot2_magic, bytes, size, info), ParseError::bad_tag);
}

TEST(Multiboot2, RequiresEndTagAndMemoryMap) {
    InfoBuilder no_end;
    no_end.mmap({{0, 0x1000, 1}});
    BootInfo info;
    EXPECT_EQ(parse(no_end, info), ParseError::no_end_tag);
    InfoBuilder no_mmap;
    no_mmap.string_tag(1, "x").end();
    EXPECT_EQ(parse(no_mmap, info), ParseError::no_memory_map);
}

TEST(Multiboot2, RejectsUnterminatedString) {
    InfoBuilder b;
    b.tag(1, {'a', 'b', 'c'}).mmap({{0, 0x1000, 1}}).end();
    BootInfo info;
    EXPECT_EQ(parse(b, info), ParseError::bad_string);
}

TEST(Multiboot2, RejectsBadMemoryMapEntrySize) {
    InfoBuilder small;
    small.mmap({{0, 0x1000, 1}}, 16).end();
    BootInfo info;
    EXPECT_EQ(parse(small, info), ParseError::bad_memory_map);
    InfoBuilder zero;
    zero.mmap({}, 0).end();
    EXPECT_EQ(parse(zero, info), ParseError::bad_memory_map);
}

TEST(Multiboot2, AcceptsLargerEntriesAndSkipsUnknownTags) {
    InfoBuilder b;
    b.tag(99, {1, 2, 3}).mmap({{0x100000, 0x1000, 1}}, 32).end();
    BootInfo info;
    ASSERT_EQ(parse(b, info), ParseError::none);
    EXPECT_EQ(info.region_count, 1u);
    EXPECT_EQ(info.usable_bytes, 0x1000u);
}

TEST(Multiboot2, CapsRegionsAndSaturatesUsableBytes) {
    std::vector<MemoryRegion> many(max_memory_regions + 3, MemoryRegion{0, UINT64_MAX / 2, 1});
    InfoBuilder b;
    b.mmap(many).end();
    BootInfo info;
    ASSERT_EQ(parse(b, info), ParseError::none);
    EXPECT_EQ(info.region_count, max_memory_regions);
    EXPECT_EQ(info.regions_dropped, 3u);
    EXPECT_EQ(info.usable_bytes, UINT64_MAX);
}

TEST(Multiboot2, RejectsMisalignedInformation) {
    std::uint64_t buf[4] = {};
    BootInfo info;
    EXPECT_EQ(parse_multiboot2(multiboot2_magic, reinterpret_cast<std::uint8_t*>(buf) + 4, 24, info),
              ParseError::misaligned);
}

}  // namespace
