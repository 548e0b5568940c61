// Architectural x86 facts that the kernel and the VMM both use, named once
// (Intel SDM Vol. 3A unless a section says otherwise): control-register,
// EFER, RFLAGS and XCR0 bits, page-table entries, canonical addresses,
// memory types and the PAT, exception vectors, the interruption-information format of VM entry
// and exit, and the guest's interruptibility and activity states.
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
// What a guest changes without an exit: the CR4 guest/host mask leaves it
// PGE (Linux toggles it to flush global TLB entries); every other bit
// exits to the VMM, whose CPUID policy decides (it must allow these).
inline constexpr std::uint64_t guest_owned = pge;
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
// Bits 3, 5, 15 and 63:22 are reserved: 0 (VM entry checks, Vol. 3C 27.3.1.4).
inline constexpr std::uint64_t reserved = (1u << 3) | (1u << 5) | (1u << 15) | ~std::uint64_t{0x3fffff};
}  // namespace rflags

// XCR0 state components (SDM Vol. 1 13.3).
namespace xcr0 {
inline constexpr std::uint64_t x87 = 1u << 0;
inline constexpr std::uint64_t sse = 1u << 1;
inline constexpr std::uint64_t avx = 1u << 2;
}  // namespace xcr0

// Page-table entry bits of 4-level and PAE paging (SDM 4.5, Tables 4-15
// to 4-20); 32-bit paging has the low ones at the same places.
namespace pte {
inline constexpr std::uint64_t present = 1u << 0;
inline constexpr std::uint64_t write = 1u << 1;
inline constexpr std::uint64_t user = 1u << 2;
inline constexpr std::uint64_t large = 1u << 7;               // PS: the entry maps a page, not a table
inline constexpr std::uint64_t nx = std::uint64_t{1} << 63;   // execute-disable, with EFER.NXE
inline constexpr std::uint64_t address = 0x000ffffffffff000;  // bits 51:12
}  // namespace pte

// Whether `address` is canonical for 48-bit linear addresses: bits 63:47
// all equal (SDM Vol. 1 3.3.7.1).
constexpr bool canonical(std::uint64_t address) {
    const std::uint64_t top = address >> 47;
    return top == 0 || top == 0x1ffff;
}

// Memory types, as PAT entries, MTRRs and EPT entries encode them (SDM
// 13.3, 13.12.2).
enum class MemoryType : std::uint8_t {
    uc = 0,        // uncacheable
    wc = 1,        // write combining
    wt = 4,        // write-through
    wp = 5,        // write-protected
    wb = 6,        // write-back
    uc_minus = 7,  // UC-, PAT only
};

// IA32_PAT: eight memory types, one a byte (SDM 13.12.2).
namespace pat {
// The value at power-on and reset (SDM 13.12.4): a new guest starts with it.
inline constexpr std::uint64_t power_on = 0x0007040600070406;

// Whether every entry is a memory type the PAT accepts; WRMSR and VM entry
// refuse any other (SDM 13.12.2; Vol. 3C 27.3.1.1).
constexpr bool valid(std::uint64_t value) {
    for (unsigned i = 0; i < 8; ++i) {
        const auto type = static_cast<std::uint8_t>(value >> (8 * i));
        if (type == 2 || type == 3 || type > static_cast<std::uint8_t>(MemoryType::uc_minus)) {
            return false;
        }
    }
    return true;
}
}  // namespace pat

// The longest an instruction can be (SDM Vol. 2A 2.3.11).
inline constexpr unsigned max_instruction_length = 15;

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

// Whether an exception delivers an error code (SDM 6.3.1, Table 6-1) in
// protected mode: #DF, #TS, #NP, #SS, #GP, #PF, #AC and #CP. VM entry
// checks an injected one against this list (Vol. 3C 27.2.1.3).
constexpr bool pushes_error_code(std::uint8_t vector) {
    switch (static_cast<Vector>(vector)) {
        case Vector::df:
        case Vector::ts:
        case Vector::np:
        case Vector::ss:
        case Vector::gp:
        case Vector::pf:
        case Vector::ac:
        case Vector::cp:
            return true;
        default:
            return false;
    }
}

// An interruption-information field: the same layout for entry injection,
// exit interruption and IDT vectoring (SDM Vol. 3C 25.8.3, 25.9.2, 25.9.3).
struct EventInfo {
    static constexpr std::uint32_t vector_mask = 0xff;  // bits 7:0
    static constexpr unsigned type_shift = 8;           // bits 10:8
    static constexpr std::uint32_t type_mask = 0x7;
    static constexpr std::uint32_t error_code_bit = 1u << 11;  // an error code is delivered
    static constexpr std::uint32_t valid_bit = 1u << 31;
    // Bits 30:12, reserved in the entry field (in an exit's, bit 12 reports
    // NMI unblocking by IRET).
    static constexpr std::uint32_t entry_reserved = 0x7ffff000;

    std::uint32_t raw;

    static constexpr EventInfo make(EventType type, std::uint8_t vector, bool error_code = false) {
        return EventInfo{valid_bit | (static_cast<std::uint32_t>(type) << type_shift) | vector |
                         (error_code ? error_code_bit : 0)};
    }

    [[nodiscard]] constexpr bool valid() const { return (raw & valid_bit) != 0; }
    // The type field; 1 and 7 name no type (EventType has no enumerator).
    [[nodiscard]] constexpr EventType type() const { return static_cast<EventType>((raw >> type_shift) & type_mask); }
    [[nodiscard]] constexpr std::uint8_t vector() const { return static_cast<std::uint8_t>(raw & vector_mask); }
    [[nodiscard]] constexpr bool has_error_code() const { return (raw & error_code_bit) != 0; }
    // The same event as an entry field injects it: the reserved bits cleared.
    [[nodiscard]] constexpr EventInfo for_entry() const { return EventInfo{raw & ~entry_reserved}; }
};

// Guest interruptibility state (SDM Vol. 3C 25.4.2, Table 25-3).
namespace interruptibility {
inline constexpr std::uint32_t sti = 1u << 0;     // blocking by STI
inline constexpr std::uint32_t mov_ss = 1u << 1;  // blocking by MOV SS or POP SS
inline constexpr std::uint32_t smi = 1u << 2;
inline constexpr std::uint32_t nmi = 1u << 3;
inline constexpr std::uint32_t enclave = 1u << 4;                             // enclave interruption
inline constexpr std::uint32_t defined = sti | mov_ss | smi | nmi | enclave;  // bits 31:5 are reserved
}  // namespace interruptibility

// Guest activity state (SDM Vol. 3C 25.4.2, Table 25-4): VM entry refuses
// any other value (27.3.1.5).
enum class Activity : std::uint32_t {
    active = 0,
    hlt = 1,
    shutdown = 2,
    wait_for_sipi = 3,
};

constexpr bool defined_activity(std::uint32_t raw) {
    return raw <= static_cast<std::uint32_t>(Activity::wait_for_sipi);
}

}  // namespace septum::abi::x86
