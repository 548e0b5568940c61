// The VCPU state and guest RAM an exit starts from: mostly valid state in
// one of the processor's modes, with identity-mapped page tables where the
// mode pages, rarely corrupted; or a recorded exit.
#include <septum/vmm/record.hpp>
#include <septum/vmm/x86.hpp>

#include <cstring>

#include "harness.hpp"

namespace septum::fuzz {

namespace {

namespace x86 = vmm::x86;

enum class Form : std::uint8_t { real, v8086, protected16, protected32, paging32, pae, long64, recorded };

constexpr std::uint64_t pte_flags = x86::pte::present | x86::pte::write | x86::pte::user;

// Identity maps of the low 4 GiB (RAM and every device window), with large
// pages, at `page_tables`; PAE leaves 1-3 GiB unmapped so walks also fail.
// Made once per form and copied in.
struct PageTables {
    std::uint8_t bytes[3 * x86::page_size];
    void put(std::uint64_t offset, std::uint64_t value, std::size_t size) { std::memcpy(bytes + offset, &value, size); }
};

PageTables make_page_tables(Form form) {
    PageTables t{};
    if (form == Form::paging32) {
        for (std::uint64_t i = 0; i < 1024; ++i) {
            t.put(4 * i, (i << 22) | pte_flags | x86::pte::large, 4);
        }
    } else if (form == Form::pae) {
        t.put(0, (page_tables + 0x1000) | x86::pte::present, 8);
        t.put(24, (page_tables + 0x2000) | x86::pte::present, 8);
        for (std::uint64_t i = 0; i < 512; ++i) {
            t.put(0x1000 + 8 * i, (i << 21) | pte_flags | x86::pte::large, 8);
            t.put(0x2000 + 8 * i, ((std::uint64_t{3} << 30) + (i << 21)) | pte_flags | x86::pte::large, 8);
        }
    } else if (form == Form::long64) {
        t.put(0, (page_tables + 0x1000) | pte_flags, 8);
        for (std::uint64_t i = 0; i < 4; ++i) {
            t.put(0x1000 + 8 * i, (i << 30) | pte_flags | x86::pte::large, 8);
        }
    }
    return t;
}

void write_page_tables(Machine& m, Form form) {
    static const PageTables paging32 = make_page_tables(Form::paging32);
    static const PageTables pae = make_page_tables(Form::pae);
    static const PageTables long64 = make_page_tables(Form::long64);
    const PageTables* t = form == Form::paging32 ? &paging32
                          : form == Form::pae    ? &pae
                          : form == Form::long64 ? &long64
                                                 : nullptr;
    if (t != nullptr) {
        m.memory.place(page_tables, t->bytes, sizeof t->bytes);
    }
}

abi::Segment segment(std::uint32_t access, std::uint32_t limit) { return abi::Segment{0, limit, access, 0, {}}; }

// Segments of the form at privilege level `cpl` (SDM Vol. 3C 26.3.1.2
// lists what entry accepts).
void set_segments(abi::VcpuState& s, Form form, unsigned cpl) {
    const std::uint32_t dpl = cpl << x86::access::dpl_shift;
    std::uint32_t code = 0x9b | dpl, data = 0x93 | dpl, limit = 0xffffffff;
    switch (form) {
        case Form::real:
            code = 0x9b, data = 0x93, limit = 0xffff;
            break;
        case Form::v8086:
            code = data = 0xf3, limit = 0xffff;
            break;
        case Form::protected16:
            limit = 0xffff;
            break;
        case Form::long64:
            code |= x86::access::l | x86::access::g, data |= x86::access::db | x86::access::g;
            break;
        default:
            code |= x86::access::db | x86::access::g, data |= x86::access::db | x86::access::g;
            break;
    }
    s.cs = segment(code, limit);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(data, limit);
    s.tr = segment(0x8b, 0x67);
    s.ldtr = segment(x86::access::unusable, 0);
}

void set_control(Source& source, abi::VcpuState& s, Form form) {
    using namespace x86;
    s.cr0 = cr0::et | (form == Form::real ? 0 : cr0::pe);
    s.cr0 |= source.u8() & (cr0::mp | cr0::ts | cr0::ne);
    s.cr0 |= (source.u8() & 3u) * cr0::wp;  // 0, WP, or beyond: bits the guest may set too
    constexpr std::uint64_t plausible_cr4 = cr4::vme | cr4::pvi | cr4::tsd | cr4::de | cr4::pge | cr4::pce |
                                            cr4::osfxsr | cr4::osxmmexcpt | cr4::fsgsbase | cr4::osxsave | cr4::smep |
                                            cr4::smap;
    s.cr4 = source.u32() & plausible_cr4;
    s.efer = source.u8() & (efer::sce | efer::nxe);
    s.xcr0 = xcr0::x87 | (source.one_in(2) ? xcr0::sse : 0);
    if (form == Form::paging32 || form == Form::pae || form == Form::long64) {
        s.cr0 |= cr0::pg;
        s.cr3 = page_tables;
        s.cr4 |= form == Form::paging32 ? cr4::pse : cr4::pae;
    }
    if (form == Form::long64) {
        s.efer |= efer::lme | efer::lma;
    }
    if (form == Form::v8086) {
        s.rflags |= rflags::vm;
    }
}

void build_form(Source& source, Machine& m, Form form) {
    abi::VcpuState& s = m.page.state;
    s = abi::VcpuState{};
    const bool user_possible = form != Form::real && form != Form::v8086;
    const unsigned cpl = form == Form::v8086 ? 3 : user_possible && source.one_in(4) ? 3 : 0;
    for (unsigned i = 0; i < 16; ++i) {
        m.vcpu.set_gpr(i, source.value());
    }
    // Now and then just below 4 GiB, where only IA-32e mode does not wrap.
    s.rip = source.one_in(16) ? 0xffffffff - source.u8() % 16 : code_base + source.u16() % (ram_size - code_base - 16);
    s.rflags =
        x86::rflags::fixed1 | (source.u16() & (x86::rflags::cf | x86::rflags::pf | x86::rflags::af | x86::rflags::zf |
                                               x86::rflags::sf | x86::rflags::if_ | x86::rflags::df | x86::rflags::of));
    set_control(source, s, form);
    set_segments(s, form, cpl);
    s.gdtr = abi::DescriptorTable{0x7000, 0xfff, 0};
    s.idtr = abi::DescriptorTable{0x6000, 0xfff, 0};
    if (source.one_in(8)) {
        s.interruptibility = source.u8() & x86::interruptibility::defined;
    }
    if (source.one_in(16)) {
        s.activity = source.u8() % (static_cast<std::uint32_t>(x86::Activity::wait_for_sipi) + 1);  // any defined
    }
    write_page_tables(m, form);
    std::uint8_t code[16];
    source.bytes(code, sizeof code);
    m.memory.place(s.rip, code, sizeof code);  // linear = physical in every form
}

// Rarely, some bytes of the state change at random: a state the kernel
// would not return, which the handlers must survive all the same.
void corrupt(Source& source, abi::VcpuState& s) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(&s);
    for (unsigned n = 1 + source.u8() % 4; n > 0; --n) {
        bytes[source.u16() % sizeof s] ^= source.u8();
    }
}

void patch_memory(Source& source, Machine& m) {
    for (unsigned n = source.u8() % 4; n > 0; --n) {
        const std::uint64_t gpa = source.u16();
        std::uint8_t bytes[32];
        const std::size_t length = source.u8() % sizeof bytes;
        source.bytes(bytes, length);
        m.memory.place(gpa, bytes, length);
    }
}

void raise_interrupts(Source& source, Machine& m) {
    for (unsigned n = source.u8() % 4; n > 0; --n) {
        m.guest.raise_interrupt(source.u8());
    }
    if (source.one_in(4)) {
        m.guest.tpr = source.u8() & 0xf;
    }
}

// The layout of vmm/record.hpp.
void build_recorded(Source& source, Machine& m) {
    (void)source.u8();   // version: a replay takes whatever follows as the layout of record_version
    (void)source.u32();  // the sizes of the two structures, as this build has them
    m.page.state = source.read<abi::VcpuState>();
    m.page.exit = source.read<abi::ExitInfo>();
    const unsigned reads = source.u8();
    for (unsigned i = 0; i < reads && i < vmm::ExitRecord::max_reads; ++i) {
        const std::uint64_t gpa = source.u64();
        std::uint8_t bytes[vmm::ExitRecord::max_read_length];
        const std::size_t length = source.u8() % (sizeof bytes + 1);
        source.bytes(bytes, length);
        m.memory.place(gpa, bytes, length);
    }
}

}  // namespace

bool build_state(Source& source, Machine& m) {
    const auto form = static_cast<Form>(source.u8() % 8);
    if (form == Form::recorded) {
        build_recorded(source, m);
        return true;
    }
    build_form(source, m, form);
    patch_memory(source, m);
    raise_interrupts(source, m);
    if (source.one_in(32)) {
        corrupt(source, m.page.state);
        m.plausible = false;
    }
    return false;
}

}  // namespace septum::fuzz
