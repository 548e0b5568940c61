// Images built to order from the fuzz input: the spec's fields, each
// mostly near a kernel's and now and then any value.
#include "linux_loaders.hpp"

#include <iterator>

namespace septum::fuzz {

using vmm::testing::Bytes;

namespace {

constexpr std::uint64_t mib = 1 << 20;

}  // namespace

Bytes vmlinux_from(Source& s) {
    vmm::testing::VmlinuxSpec spec;  // two segments at 16 MiB and a note
    if (s.one_in(2)) {
        spec.segments.clear();
        for (unsigned n = s.u8() % 5; n > 0; --n) {
            const std::uint64_t paddr = s.one_in(4) ? s.value() : std::uint64_t{s.u16()} << 12;
            const std::uint64_t filesz = s.u16() % 0x3000;
            const std::uint64_t memsz = s.one_in(4) ? s.value() : filesz + s.u16();
            spec.segments.push_back({paddr, filesz, memsz});
        }
        const std::uint64_t first = spec.segments.empty() ? 0 : spec.segments[0].paddr;
        spec.entry = s.one_in(4) ? s.value() : first + s.u8();
        static constexpr unsigned note_sizes[] = {8, 4, 0, 2, 12};
        spec.note_size = note_sizes[s.u8() % std::size(note_sizes)];
    }
    return make_vmlinux(spec);
}

Bytes bzimage_from(Source& s) {
    vmm::testing::BzImageSpec spec;  // protocol 2.15, relocatable, at 16 MiB
    if (s.one_in(2)) {
        spec.setup_sects = s.one_in(4) ? s.u8() : 4;
        spec.version = s.one_in(4) ? s.u16() : 0x020f;
        spec.loadflags = s.one_in(4) ? s.u8() : 1;
        spec.xloadflags = s.one_in(2) ? s.u16() : 3;
        spec.relocatable = s.one_in(3) ? 0 : 1;
        spec.kernel_alignment = s.one_in(4) ? s.u32() : 0x1000u << (s.u8() % 20);
        spec.pref_address = s.one_in(3) ? s.value() : std::uint64_t{s.u16()} << 16;
        spec.code_size = (s.u16() % 0x4000 + 1) * 16;
        spec.init_size = s.one_in(4) ? s.u32() : spec.code_size + s.u32() % (64 * mib);
        spec.cmdline_size = s.one_in(2) ? s.u32() : s.u16();
        spec.initrd_addr_max = s.one_in(2) ? s.u32() : 0x7fffffff;
    }
    return make_bzimage(spec);
}

}  // namespace septum::fuzz
