// Exit qualifications and instruction information, decoded once into typed
// structs (SDM Vol. 3C 28.2.1 and 28.2.5). Raw fields come from the kernel
// as the hardware wrote them; these functions only mask and shift, so any
// 64-bit value decodes to something in range.
#pragma once

#include <cstdint>

namespace septum::vmm {

// Control-register accesses (Table 28-3).
enum class CrAccessType : std::uint8_t { mov_to_cr = 0, mov_from_cr = 1, clts = 2, lmsw = 3 };

struct CrQualification {
    unsigned cr;  // 0-15
    CrAccessType type;
    bool lmsw_memory;  // LMSW operand was memory (the source data is valid either way)
    unsigned gpr;      // 0-15, register encoding
    std::uint16_t lmsw_source;
};

constexpr CrQualification decode_cr(std::uint64_t q) {
    return {static_cast<unsigned>(q & 0xf), static_cast<CrAccessType>((q >> 4) & 3), ((q >> 6) & 1) != 0,
            static_cast<unsigned>((q >> 8) & 0xf), static_cast<std::uint16_t>(q >> 16)};
}

// MOV DR (Table 28-4).
struct DrQualification {
    unsigned dr;   // 0-7
    bool from_dr;  // MOV from DR (else MOV to DR)
    unsigned gpr;  // 0-15
};

constexpr DrQualification decode_dr(std::uint64_t q) {
    return {static_cast<unsigned>(q & 7), ((q >> 4) & 1) != 0, static_cast<unsigned>((q >> 8) & 0xf)};
}

// I/O instructions (Table 28-5).
struct IoQualification {
    unsigned size;  // 1, 2 or 4 (the reserved encoding 2 reads as 4)
    bool in;
    bool string;
    bool rep;
    std::uint16_t port;
};

constexpr IoQualification decode_io(std::uint64_t q) {
    const unsigned encoded = static_cast<unsigned>(q & 7);
    const unsigned size = encoded == 0 ? 1 : encoded == 1 ? 2 : 4;
    return {size, ((q >> 3) & 1) != 0, ((q >> 4) & 1) != 0, ((q >> 5) & 1) != 0, static_cast<std::uint16_t>(q >> 16)};
}

// EPT violations (Table 28-7).
struct EptQualification {
    bool read;
    bool write;
    bool fetch;
    bool linear_valid;       // the guest-linear address field is valid
    bool translated_access;  // the access was to the final address, not a paging structure
};

constexpr EptQualification decode_ept(std::uint64_t q) {
    const bool linear_valid = ((q >> 7) & 1) != 0;
    return {(q & 1) != 0, ((q >> 1) & 1) != 0, ((q >> 2) & 1) != 0, linear_valid, linear_valid && ((q >> 8) & 1) != 0};
}

// Instruction information for INS and OUTS (Table 28-8).
struct StringIoInfo {
    unsigned address_size;  // 2, 4 or 8 bytes
    unsigned segment;       // 0 ES .. 5 GS (OUTS only; INS always uses ES)
};

constexpr StringIoInfo decode_string_io(std::uint32_t info) {
    const unsigned encoded = (info >> 7) & 7;
    return {encoded == 0 ? 2u : encoded == 1 ? 4u : 8u, (info >> 15) & 7};
}

// Instruction information for RDRAND and RDSEED (Table 28-14).
struct RandInfo {
    unsigned gpr;   // destination, 0-15
    unsigned size;  // 2, 4 or 8 bytes
};

constexpr RandInfo decode_rand(std::uint32_t info) {
    const unsigned encoded = (info >> 11) & 3;
    return {(info >> 3) & 0xf, encoded == 0 ? 2u : encoded == 1 ? 4u : 8u};
}

// APIC-access exits (SDM Vol. 3C 28.2.1, Table 28-6): the page offset,
// and how the guest accessed it. Only linear data reads and writes are
// emulated; fetches, page walks and event delivery through the page are
// not accesses a guest makes to a working APIC.
enum class ApicAccessType : std::uint8_t {
    linear_read = 0,
    linear_write = 1,
    linear_fetch = 2,
    linear_event_delivery = 3,
    physical_event_delivery = 10,
    physical_fetch_or_walk = 15,
};

struct ApicAccessQualification {
    std::uint32_t offset;  // within the page, bits 11:0
    ApicAccessType type;   // bits 15:12 (other values are reserved)
};

constexpr ApicAccessQualification decode_apic_access(std::uint64_t q) {
    return {static_cast<std::uint32_t>(q & 0xfff), static_cast<ApicAccessType>((q >> 12) & 0xf)};
}

// APIC-write and virtualized-EOI exits (Table 28-1): the page offset of
// the write (bits 11:0), the vector whose EOI exited (bits 7:0).
constexpr std::uint32_t apic_write_offset(std::uint64_t q) { return static_cast<std::uint32_t>(q & 0xfff); }
constexpr std::uint8_t virtualized_eoi_vector(std::uint64_t q) { return static_cast<std::uint8_t>(q & 0xff); }

}  // namespace septum::vmm
