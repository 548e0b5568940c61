// Guest RAM for the Linux loaders' tests: an array filled with 0xcc (so a
// refused load can be seen to have written nothing), the PC memory map
// over it, and readers of what the loader left there.
#pragma once

#include <septum/vmm/guest_memory.hpp>
#include <septum/vmm/linux.hpp>
#include <septum/vmm/linux_layout.hpp>
#include <septum/vmm/x86.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "entry_checks.hpp"
#include "linux_images.hpp"

namespace septum::vmm::testing {

inline constexpr std::uint8_t untouched_byte = 0xcc;

class LinuxRam {
public:
    explicit LinuxRam(std::uint64_t size) : bytes_(size, untouched_byte), memory_(bytes_.data(), bytes_.size()) {
        map_ = pc_memory_map(size, regions_);
    }

    GuestMemory& memory() { return memory_; }
    void reset() { std::fill(bytes_.begin(), bytes_.end(), untouched_byte); }
    [[nodiscard]] const MemoryMap& map() const { return map_; }
    [[nodiscard]] std::uint64_t size() const { return bytes_.size(); }
    [[nodiscard]] const std::uint8_t* at(std::uint64_t gpa) const { return bytes_.data() + gpa; }
    [[nodiscard]] std::uint64_t le(std::uint64_t gpa, unsigned bytes) const { return get_le(at(gpa), bytes); }
    [[nodiscard]] std::string string_at(std::uint64_t gpa) const { return reinterpret_cast<const char*>(at(gpa)); }
    [[nodiscard]] bool untouched() const {
        return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == untouched_byte; });
    }
    [[nodiscard]] bool equal(std::uint64_t gpa, const std::uint8_t* expected, std::uint64_t length) const {
        return std::equal(expected, expected + length, at(gpa));
    }

private:
    std::vector<std::uint8_t> bytes_;
    RamGuestMemory memory_;
    MemoryRegion regions_[3] = {};
    MemoryMap map_{};
};

inline Image image_of(const Bytes& b) { return Image{b.data(), b.size()}; }

// Whether the kernel's own checks (entry_checks.hpp) would enter `s`, on a
// Skylake's VMX limits (the fuzzers' values).
inline bool kernel_would_enter(const abi::VcpuState& s) {
    constexpr arch::vmx::EntryLimits skylake{0x80000021, 0xffffffff, 0x2000, 0x3767ff, 0x11ff, 0x3ffff};
    return arch::vmx::check_state(s, abi::vcpu_state::stored | abi::vcpu_state::injection, skylake,
                                  (s.cr0 & x86::cr0::pe) != 0) == Status::ok;
}

// The flat segment checks of an entry state: base 0, 4 GiB limit, present
// and usable, code in CS, writable data in the others.
inline void expect_flat(const abi::VcpuState& s) {
    EXPECT_EQ(s.cs.base, 0u);
    EXPECT_EQ(s.cs.limit, 0xffffffffu);
    EXPECT_EQ(s.cs.access_rights & 0x1b, 0x1bu);  // code, readable, accessed, S
    for (const abi::Segment* d : {&s.ds, &s.es, &s.ss}) {
        EXPECT_EQ(d->base, 0u);
        EXPECT_EQ(d->limit, 0xffffffffu);
        EXPECT_EQ(d->access_rights & 0x1b, 0x13u);  // data, writable, accessed, S
        EXPECT_NE(d->access_rights & x86::access::present, 0u);
        EXPECT_EQ(d->access_rights & x86::access::unusable, 0u);
    }
    EXPECT_EQ(s.tr.access_rights & 0x9f, 0x8bu);  // busy TSS, present
    EXPECT_GE(s.tr.limit, 0x67u);
    EXPECT_EQ(s.rflags & (x86::rflags::if_ | x86::rflags::vm | (1u << 8)), 0u);  // IF, VM, TF clear
}

// The GDT the state names holds descriptors for its CS and data selectors
// that say what the state's cached access rights say.
inline void expect_gdt_matches(const LinuxRam& ram, const abi::VcpuState& s) {
    for (const abi::Segment* seg : {&s.cs, &s.ds, &s.ss}) {
        ASSERT_LE(seg->selector + 7u, s.gdtr.limit);
        const std::uint64_t d = ram.le(s.gdtr.base + seg->selector, 8);
        EXPECT_EQ((d >> 40) & 0xff, seg->access_rights & 0xff) << "selector " << seg->selector;
        EXPECT_EQ((d >> 52) & 0xf, (seg->access_rights >> 12) & 0xf) << "selector " << seg->selector;
        EXPECT_EQ(d & 0xffff, 0xffffu);
    }
}

}  // namespace septum::vmm::testing
