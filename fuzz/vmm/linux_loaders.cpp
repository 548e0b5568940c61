#include "linux_loaders.hpp"

#include <iterator>

#include <septum/vmm/linux_layout.hpp>
#include <septum/vmm/x86.hpp>

#include <cinttypes>
#include <cstring>
#include <string>

#include "entry_checks.hpp"
#include "machine.hpp"

namespace septum::fuzz {

namespace {

using vmm::LinuxError;
using vmm::MemoryRegion;
using vmm::RegionType;
using vmm::linux_boot::Range;
using vmm::testing::Bytes;

constexpr std::uint64_t mib = 1 << 20;
constexpr std::uint64_t gib = std::uint64_t{1} << 30;
constexpr std::size_t initrd_buffer = mib;

// RAM [0, size) that is not there: writes are checked against the map and
// remembered, the bytes written are read (so an over-read of the image
// shows), and one chosen write may fail.
class SparseMemory final : public vmm::GuestMemory {
public:
    SparseMemory(std::uint64_t size, int fail_at) : size_{size}, fail_at_{fail_at} {}

    Status read(std::uint64_t gpa, void* out, std::size_t length) const override {
        if (!contains(gpa, length)) {
            return Status::out_of_range;
        }
        std::memset(out, 0, length);
        return Status::ok;
    }
    Status write(std::uint64_t gpa, const void* in, std::size_t length) override {
        if (!contains(gpa, length) || count_++ == fail_at_) {
            return Status::out_of_range;
        }
        // Every byte of a short write, the ends of a long one (zeroing a
        // large BSS): an over-read of the image shows either way.
        const auto* bytes = static_cast<const std::uint8_t*>(in);
        for (std::size_t i = 0; i < length; i += length <= 4096 || i + 1 == length ? 1 : length - 1 - i) {
            sum_ += bytes[i];
        }
        record(Range{gpa, length});
        return Status::ok;
    }
    [[nodiscard]] bool contains(std::uint64_t gpa, std::uint64_t length) const override {
        return gpa <= size_ && length <= size_ - gpa;
    }
    // A kernel's BSS may be gigabytes here: one range, no bytes.
    Status zero(std::uint64_t gpa, std::uint64_t length) override {
        if (!contains(gpa, length) || count_++ == fail_at_) {
            return Status::out_of_range;
        }
        record(Range{gpa, length});
        return Status::ok;
    }

    std::vector<Range> writes;

private:
    void record(Range r) {
        if (r.size != 0) {
            writes.push_back(r);
        }
    }

    std::uint64_t size_;
    int fail_at_;
    int count_ = 0;
    std::uint64_t sum_ = 0;
};

std::uint64_t guest_ram_size(Source& s) {
    static constexpr std::uint64_t table[] = {0,         0x10000, mib,     2 * mib, 16 * mib, 32 * mib, 64 * mib,
                                              128 * mib, gib,     3 * gib, 4 * gib, 5 * gib,  8 * gib};
    const std::uint8_t choice = s.u8();
    return choice < std::size(table) ? table[choice] : std::uint64_t{s.u32()} << 12;
}

std::size_t memory_map(Source& s, std::uint64_t ram, std::vector<MemoryRegion>& out) {
    const std::uint8_t choice = s.u8() % 8;
    if (choice < 5) {
        MemoryRegion pc[3] = {};
        const vmm::MemoryMap m = vmm::pc_memory_map(ram, pc);
        out.assign(m.regions, m.regions + m.count);
    } else if (choice < 7) {
        out = {MemoryRegion{0, ram, RegionType::ram}};
    } else {
        const std::size_t n = s.u8() % (vmm::max_memory_regions + 2);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t base = s.value(), size = s.value();
            out.push_back(MemoryRegion{base, size, static_cast<RegionType>(s.u8() % 7)});
        }
    }
    return out.size();
}

bool inside(Range r, Range outer) {
    return r.base >= outer.base && r.base - outer.base <= outer.size && r.size <= outer.size - (r.base - outer.base);
}

// What a successful load must have left.
void check_success(const vmm::LinuxLoad& l, LinuxBoot boot, const vmm::MemoryMap& map, const std::vector<Range>& writes,
                   std::uint64_t initrd_size) {
    namespace lb = vmm::linux_boot;
    namespace x86 = vmm::x86;
    const vmm::LinuxPlacement& p = l.placement;
    const Range kernel{p.kernel_base, p.kernel_end - p.kernel_base};
    const Range initrd{p.initrd_base, p.initrd_size};
    const Range boot_data{lb::gdt, lb::end - lb::gdt};
    // A bzImage's room is RAM; a vmlinux's segments are (each write is
    // checked below), the gaps between them need not be.
    if (p.kernel_end <= p.kernel_base || (boot == LinuxBoot::bzimage && !lb::in_ram(map, kernel)) ||
        p.initrd_size != initrd_size || (initrd_size != 0 && !lb::in_ram(map, initrd))) {
        violated("kernel [%#" PRIx64 ", %#" PRIx64 ") or initrd %#" PRIx64 "+%#" PRIx64 " not in RAM", p.kernel_base,
                 p.kernel_end, p.initrd_base, p.initrd_size);
    }
    if (lb::overlaps(kernel, initrd) || lb::overlaps(kernel, boot_data) || lb::overlaps(initrd, boot_data)) {
        violated("kernel, initrd and boot data overlap");
    }
    for (const Range& w : writes) {
        if (!lb::in_ram(map, w) || !(inside(w, kernel) || inside(w, initrd) || inside(w, boot_data))) {
            violated("a write of %#" PRIx64 " bytes at %#" PRIx64 " outside the kernel, initrd and boot data", w.size,
                     w.base);
        }
    }
    const abi::VcpuState& s = l.state;
    constexpr arch::vmx::EntryLimits skylake{0x80000021, 0xffffffff, 0x2000, 0x3767ff, 0x11ff, 0x3ffff};
    if (arch::vmx::check_state(s, abi::vcpu_state::stored | abi::vcpu_state::injection, skylake,
                               (s.cr0 & x86::cr0::pe) != 0) != Status::ok) {
        violated("the entry state fails the kernel's VM-entry checks");
    }
    const bool long_mode = (s.efer & x86::efer::lma) != 0;
    const bool pvh_ok =
        boot == LinuxBoot::pvh && !long_mode && s.rbx == p.boot_info && s.rip < kernel.base + kernel.size;
    const bool bz_ok = boot == LinuxBoot::bzimage && long_mode && s.rsi == p.boot_info && s.rip == kernel.base + 0x200;
    if (s.rip != p.entry || s.rip < kernel.base || !(pvh_ok || bz_ok)) {
        violated("entry %#" PRIx64 " with kernel [%#" PRIx64 ", %#" PRIx64 ")", s.rip, p.kernel_base, p.kernel_end);
    }
}

}  // namespace

int run_linux(const std::uint8_t* data, std::size_t size, LinuxBoot boot) {
    static const Bytes initrd_bytes(initrd_buffer, 0x17);
    Source s(data, size);
    const std::uint64_t ram = guest_ram_size(s);
    std::vector<MemoryRegion> regions;
    memory_map(s, ram, regions);
    const std::uint64_t initrd_size = s.value() % (initrd_buffer + 1);
    const std::string command_line(s.value() % 4200, 'c');
    const int fail_at = s.one_in(8) ? s.u8() : -1;
    Bytes image;
    if (s.u8() % 2 == 0) {
        image = boot == LinuxBoot::pvh ? vmlinux_from(s) : bzimage_from(s);
        for (unsigned n = s.u8() % 8; n > 0; --n) {
            const std::uint32_t at = s.u32();
            const std::uint8_t value = s.u8();
            if (!image.empty()) {
                image[at % image.size()] = value;
            }
        }
        if (s.one_in(8) && !image.empty()) {
            image.resize(s.u32() % image.size());
        }
    } else {
        image.assign(data + (size - s.remaining()), data + size);
    }
    SparseMemory memory(ram, fail_at);
    const vmm::MemoryMap map{regions.data(), regions.size()};
    const vmm::LinuxOptions options{map, command_line.c_str(), vmm::Image{initrd_bytes.data(), initrd_size}};
    const vmm::Image kernel{image.data(), image.size()};
    const vmm::LinuxLoad l =
        boot == LinuxBoot::pvh ? load_linux_pvh(memory, kernel, options) : load_linux_bzimage(memory, kernel, options);
    if (vmm::describe(l.error) == nullptr || (vmm::status_of(l.error) == Status::ok) != l.ok()) {
        violated("error %u has no sentence or the wrong status", static_cast<unsigned>(l.error));
    }
    if (!l.ok() && l.error != LinuxError::memory_failed && !memory.writes.empty()) {
        violated("refused (%s) after %zu writes of guest memory", vmm::describe(l.error), memory.writes.size());
    }
    if (l.ok()) {
        check_success(l, boot, map, memory.writes, initrd_size);
    }
    return 0;
}

}  // namespace septum::fuzz
