// Exit builders: the fields of one exit of each family (SDM Vol. 3C 28.2).
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/x86.hpp>

#include "builders.hpp"

namespace septum::fuzz {

namespace {

namespace x86 = vmm::x86;
using abi::VmxExit;

constexpr std::uint32_t reason(VmxExit r) { return static_cast<std::uint32_t>(r); }

template <typename T, std::size_t N>
T pick(Source& source, const T (&values)[N]) {
    return values[source.u8() % N];
}

void set(Machine& m, unsigned gpr, std::uint64_t value) { m.vcpu.set_gpr(gpr, value); }

constexpr unsigned rax = 0, rcx = 1, rdx = 2, rbx = 3, rsi = 6, rdi = 7;

}  // namespace

std::uint32_t event_info(Source& source, Machine& m) {
    if (source.one_in(32)) {
        m.plausible = false;
        return source.u32();
    }
    using x86::EventType;
    std::uint32_t vector = source.u8();
    const auto type = pick(source, {EventType::external_interrupt, EventType::nmi, EventType::hardware_exception,
                                    EventType::hardware_exception, EventType::software_interrupt,
                                    EventType::privileged_software_exception, EventType::software_exception});
    switch (type) {
        case EventType::nmi:
            vector = 2;
            break;
        case EventType::hardware_exception:
            vector %= 32;
            vector = vector == 2 ? 13 : vector;
            break;
        case EventType::privileged_software_exception:
            vector = 1;
            break;
        case EventType::software_exception:
            vector = 3 + vector % 2;
            break;
        default:
            break;
    }
    const auto v = static_cast<std::uint8_t>(vector);
    const bool error = type == EventType::hardware_exception && abi::x86::pushes_error_code(v) &&
                       (m.page.state.cr0 & x86::cr0::pe) != 0;
    return x86::EventInfo::make(type, v, error).raw;
}

void build_cpuid(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::cpuid);
    if (source.one_in(2)) {
        constexpr std::uint32_t leaves[] = {
            0,    1,          2,          4,          6,          7,          0xa,        0xd,        0x14,      0x15,
            0x16, 0x80000000, 0x80000001, 0x80000007, 0x80000008, 0x40000000, 0x40000001, 0x40000002, 0x80000009};
        set(m, rax, pick(source, leaves));
        set(m, rcx, source.u8() % 3);
    }
}

void build_msr(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(source.one_in(2) ? VmxExit::rdmsr : VmxExit::wrmsr);
    if (!source.one_in(8)) {
        using x86::Msr;
        constexpr Msr known[] = {Msr::tsc,           Msr::apic_base,    Msr::mtrr_cap,    Msr::sysenter_cs,
                                 Msr::sysenter_esp,  Msr::sysenter_eip, Msr::misc_enable, Msr::pat,
                                 Msr::mtrr_def_type, Msr::efer,         Msr::star,        Msr::lstar,
                                 Msr::cstar,         Msr::sfmask,       Msr::fs_base,     Msr::gs_base,
                                 Msr::kernel_gs_base};
        set(m, rcx, static_cast<std::uint32_t>(pick(source, known)));
    }
}

void build_io(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::io_instruction);
    constexpr std::uint16_t bases[] = {0x3f8, 0xf4, 0x60, 0xcf8, 0x80, 0x3f0, 0x70};
    const auto port =
        static_cast<std::uint16_t>(source.one_in(8) ? source.u16() : pick(source, bases) + source.u8() % 10);
    const std::uint64_t size = source.one_in(16) ? 2 : pick(source, {0u, 1u, 3u});
    const std::uint64_t flags = source.u8() & 0x38;  // direction, string, REP
    exit.qualification = size | flags | (std::uint64_t{port} << 16);
    const std::uint32_t address_size = source.one_in(16) ? source.u8() % 8 : source.u8() % 3;
    const std::uint32_t segment = source.one_in(16) ? source.u8() % 8 : source.u8() % 6;
    exit.instruction_info = (address_size << 7) | (segment << 15);
    set(m, rsi, source.one_in(8) ? source.value() : source.u16());
    set(m, rdi, source.one_in(8) ? source.value() : source.u16());
    // Mostly short REPs: each element costs a device and a memory access;
    // now and then any count, up to the 1,024 the handler does per exit.
    set(m, rcx, source.one_in(8) ? source.value() : source.u8() % 32);
    exit.guest_linear = (flags & 0x08) != 0 ? m.page.state.rdi : m.page.state.rsi;
}

// A MOV at RIP with random prefixes, operands and displacement: the forms
// the MMIO emulator decodes, and now and then one it does not.
void put_mov(Source& source, Machine& m) {
    std::uint8_t code[x86::max_instruction_length] = {};
    std::size_t n = 0;
    for (unsigned p = source.u8() % 4; p > 0; --p) {
        code[n++] = pick(source, {std::uint8_t{0x66}, std::uint8_t{0x67}, std::uint8_t{0x2e}, std::uint8_t{0x26},
                                  std::uint8_t{0x64}, std::uint8_t{0x65}, std::uint8_t{0xf0}, std::uint8_t{0xf3},
                                  static_cast<std::uint8_t>(0x40 | (source.u8() & 0xf))});
    }
    constexpr std::uint16_t opcodes[] = {0x88, 0x89, 0x8a, 0x8b,   0xc6,   0xc7, 0xa0,
                                         0xa1, 0xa2, 0xa3, 0x0fb6, 0x0fb7, 0xff};
    const std::uint16_t opcode = source.one_in(16) ? source.u8() : pick(source, opcodes);
    if (opcode > 0xff) {
        code[n++] = 0x0f;
    }
    code[n++] = static_cast<std::uint8_t>(opcode);
    const std::uint8_t modrm = source.u8();
    code[n++] = source.one_in(16) ? modrm : static_cast<std::uint8_t>((modrm & 0x3f) | ((modrm % 3) << 6));
    source.bytes(code + n, sizeof code - n);  // SIB, displacement, immediate
    m.memory.place(m.page.state.rip, code, sizeof code);
}

void build_ept(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::ept_violation);
    if (!source.one_in(8)) {
        put_mov(source, m);
    }
    const std::uint64_t access = source.one_in(8) ? source.u8() & 7 : pick(source, {1u, 2u});
    const std::uint64_t linear = source.one_in(8) ? 0 : 0x180;  // linear valid, translated access
    exit.qualification = access | linear | ((source.u8() & 7u) << 3);
    constexpr std::uint64_t windows[] = {0x100000, 0xfed00000, 0xfee00000, 0xfec00000, 0x20000, 0x9000};
    exit.guest_physical = source.one_in(16) ? source.value() : pick(source, windows) + source.u16() % 0x1010 - 8;
    exit.guest_linear = exit.guest_physical;
}

void build_cr(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::cr_access);
    const std::uint64_t cr = source.one_in(8) ? source.u8() & 15 : pick(source, {0u, 3u, 4u, 8u});
    const std::uint64_t type = source.u8() & 3, gpr = source.u8() & 15;
    exit.qualification =
        cr | (type << 4) | ((source.u8() & 1u) << 6) | (gpr << 8) | (std::uint64_t{source.u16()} << 16);
    std::uint64_t value = source.value();
    if (cr == 0 && !source.one_in(4)) {
        value &= x86::cr0::defined;
    } else if (cr == 4 && !source.one_in(4)) {
        value &= 0x7fffff;
    }
    set(m, static_cast<unsigned>(gpr), value);
}

void build_xsetbv(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::xsetbv);
    set(m, rcx, source.one_in(8) ? source.u32() : 0);
    set(m, rax, source.u8());
    set(m, rdx, source.one_in(8) ? source.u32() : 0);
}

void build_exception(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::exception_or_nmi);
    exit.interruption_info = event_info(source, m);
    exit.interruption_error = source.u32();
    exit.qualification = source.value();
}

void build_interrupt_window(Source& source, Machine& m, abi::ExitInfo& exit) {
    constexpr std::uint32_t reasons[] = {reason(VmxExit::interrupt_window),  reason(VmxExit::nmi_window),
                                         reason(VmxExit::monitor_trap_flag), reason(VmxExit::external_interrupt),
                                         reason(VmxExit::preemption_timer),  abi::exit_reason_signal};
    exit.reason = pick(source, reasons);
    for (unsigned n = source.u8() % 4; n > 0; --n) {
        m.guest.raise_interrupt(source.u8());
    }
    abi::VcpuState& s = m.vcpu.edit(0);
    s.rflags = source.one_in(4) ? s.rflags & ~x86::rflags::if_ : s.rflags | x86::rflags::if_;
    namespace blocking = x86::interruptibility;
    s.interruptibility =
        source.one_in(4) ? source.u8() & (blocking::sti | blocking::mov_ss | blocking::smi | blocking::nmi) : 0;
    s.activity = source.one_in(4) ? static_cast<std::uint32_t>(x86::Activity::hlt) : s.activity;
}

void build_vmcall(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = reason(VmxExit::vmcall);
    set(m, rax, source.one_in(8) ? source.value() : source.u8() % 4);
    set(m, rbx, source.value());
}

void build_reset(Source& source, Machine& m, abi::ExitInfo& exit) {
    exit.reason = pick(source, {reason(VmxExit::triple_fault), reason(VmxExit::init_signal), reason(VmxExit::sipi)});
    exit.qualification = source.u8();  // the SIPI vector
    // State a reset must clear.
    m.guest.tpr = source.u8() & 0xf;
    m.guest.raise_interrupt(source.u8());
    m.guest.msrs.star = source.u64();
    m.guest.debug.dr[0] = source.u64();
}

}  // namespace septum::fuzz
