// Architectural x86 facts that the kernel and the VMM both use, named once
// (Intel SDM Vol. 3A unless a section says otherwise): control-register,
// EFER, RFLAGS and XCR0 bits, exception vectors, and the interruption
// information format of VM entry and exit.
#pragma once

#include <cstdint>

namespace septum::abi::x86 {

// CR0 (SDM 2.5, Figure 2-7).
namespace cr0 {
inline constexpr std::uint64_t pe = 1u << 0;
inline constexpr std::uint64_t mp = 1u << 1;
inline constexpr std::uint64_t em = 1u << 2;
inline constexpr std::uint64_t ts = 1u << 3;
inline constexpr std::uint64_t et = 1u << 4;
inline constexpr std::uint64_t ne = 1u << 5;
inline constexpr std::uint64_t wp = 1u << 16;
inline constexpr std::uint64_t am = 1u << 18;
inline constexpr std::uint64_t nw = 1u << 29;
inline constexpr std::uint64_t cd = 1u << 30;
inline constexpr std::uint64_t pg = 0x80000000;
inline constexpr std::uint64_t defined = pe | mp | em | ts | et | ne | wp | am | nw | cd | pg;
}  // namespace cr0

// CR4 (SDM 2.5, Figure 2-7).
namespace cr4 {
inline constexpr std::uint64_t vme = 1u << 0;
inline constexpr std::uint64_t pvi = 1u << 1;
inline constexpr std::uint64_t tsd = 1u << 2;
inline constexpr std::uint64_t de = 1u << 3;
inline constexpr std::uint64_t pse = 1u << 4;
inline constexpr std::uint64_t pae = 1u << 5;
inline constexpr std::uint64_t mce = 1u << 6;
inline constexpr std::uint64_t pge = 1u << 7;
inline constexpr std::uint64_t pce = 1u << 8;
inline constexpr std::uint64_t osfxsr = 1u << 9;
inline constexpr std::uint64_t osxmmexcpt = 1u << 10;
inline constexpr std::uint64_t umip = 1u << 11;
inline constexpr std::uint64_t la57 = 1u << 12;
inline constexpr std::uint64_t vmxe = 1u << 13;
inline constexpr std::uint64_t smxe = 1u << 14;
inline constexpr std::uint64_t fsgsbase = 1u << 16;
inline constexpr std::uint64_t pcide = 1u << 17;
inline constexpr std::uint64_t osxsave = 1u << 18;
inline constexpr std::uint64_t smep = 1u << 20;
inline constexpr std::uint64_t smap = 1u << 21;
inline constexpr std::uint64_t pke = 1u << 22;
}  // namespace cr4

// IA32_EFER (SDM 2.2.1, Figure 2-4).
namespace efer {
inline constexpr std::uint64_t sce = 1u << 0;
inline constexpr std::uint64_t lme = 1u << 8;
inline constexpr std::uint64_t lma = 1u << 10;
inline constexpr std::uint64_t nxe = 1u << 11;
}  // namespace efer

// RFLAGS (SDM Vol. 1 3.4.3).
namespace rflags {
inline constexpr std::uint64_t cf = 1u << 0;
inline constexpr std::uint64_t fixed1 = 1u << 1;
inline constexpr std::uint64_t pf = 1u << 2;
inline constexpr std::uint64_t af = 1u << 4;
inline constexpr std::uint64_t zf = 1u << 6;
inline constexpr std::uint64_t sf = 1u << 7;
inline constexpr std::uint64_t if_ = 1u << 9;
inline constexpr std::uint64_t df = 1u << 10;
inline constexpr std::uint64_t of = 1u << 11;
inline constexpr std::uint64_t vm = 1u << 17;
}  // namespace rflags

// XCR0 state components (SDM Vol. 1 13.3).
namespace xcr0 {
inline constexpr std::uint64_t x87 = 1u << 0;
inline constexpr std::uint64_t sse = 1u << 1;
inline constexpr std::uint64_t avx = 1u << 2;
}  // namespace xcr0

// Exception vectors (SDM 6.3.1, Table 6-1).
enum class Vector : std::uint8_t {
    de = 0,
    db = 1,
    nmi = 2,
    bp = 3,
    of = 4,
    br = 5,
    ud = 6,
    nm = 7,
    df = 8,
    ts = 10,
    np = 11,
    ss = 12,
    gp = 13,
    pf = 14,
    mf = 16,
    ac = 17,
    mc = 18,
    xm = 19,
    ve = 20,
    cp = 21,
};

// Interruption types of the VM-entry/exit interruption-information fields
// (SDM Vol. 3C 25.8.3, Table 25-17).
enum class EventType : std::uint8_t {
    external_interrupt = 0,
    nmi = 2,
    hardware_exception = 3,
    software_interrupt = 4,
    privileged_software_exception = 5,
    software_exception = 6,
};

// Interruption-information field layout (the same for entry injection, exit
// interruption and IDT vectoring).
namespace event_info {
inline constexpr std::uint32_t vector_mask = 0xff;
inline constexpr std::uint32_t type_shift = 8;
inline constexpr std::uint32_t type_mask = 0x7;
inline constexpr std::uint32_t error_code = 1u << 11;
inline constexpr std::uint32_t valid = 1u << 31;
}  // namespace event_info

}  // namespace septum::abi::x86
