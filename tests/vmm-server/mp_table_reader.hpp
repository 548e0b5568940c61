// An MP table reader for the tests and the MP-table fuzzer, written from
// the specification (MultiProcessor Specification 1.4, chapter 4) apart
// from the writer, checking what an OS checks: signatures, lengths,
// revisions, both checksums, and every entry's type and size.
#pragma once

#include <septum/vmm/guest_memory.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace septum::vmm::testing {

struct MpTable {
    std::uint64_t floating_address = 0;
    std::uint32_t table_address = 0;
    std::uint32_t local_apic_address = 0;
    std::string oem, product;
    struct Processor {
        std::uint8_t apic_id, apic_version, flags;
        std::uint32_t signature, features;
    };
    struct Bus {
        std::uint8_t id;
        std::string type;
    };
    struct IoApic {
        std::uint8_t id, version, flags;
        std::uint32_t address;
    };
    struct Interrupt {  // I/O (type 3) or local (type 4) interrupt assignment
        std::uint8_t kind, flags_lo, flags_hi, source_bus, source_irq, destination, pin;
    };
    std::vector<Processor> processors;
    std::vector<Bus> buses;
    std::vector<IoApic> ioapics;
    std::vector<Interrupt> io_interrupts, local_interrupts;
};

inline std::uint8_t mp_sum(const std::uint8_t* p, std::size_t n) {
    std::uint8_t s = 0;
    for (std::size_t i = 0; i < n; ++i) {
        s = static_cast<std::uint8_t>(s + p[i]);
    }
    return s;
}

inline std::uint32_t mp_u32(const std::uint8_t* p) {
    return p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Reads the table whose floating pointer is at `address`; the error says
// what is wrong, empty when nothing is.
inline std::string read_mp_table(const GuestMemory& memory, std::uint64_t address, MpTable& out) {
    std::uint8_t fp[16];
    if (memory.read(address, fp, sizeof fp) != Status::ok) {
        return "floating pointer outside RAM";
    }
    if (std::memcmp(fp, "_MP_", 4) != 0) {
        return "no _MP_ signature";
    }
    if (fp[8] != 1 || (fp[9] != 1 && fp[9] != 4) || mp_sum(fp, 16) != 0) {
        return "floating pointer length, revision or checksum";
    }
    if (fp[11] != 0) {
        return "a default configuration instead of a table";
    }
    out.floating_address = address;
    out.table_address = mp_u32(fp + 4);
    std::uint8_t header[44];
    if (memory.read(out.table_address, header, sizeof header) != Status::ok) {
        return "table header outside RAM";
    }
    const std::size_t length = header[4] | header[5] << 8;
    if (std::memcmp(header, "PCMP", 4) != 0 || length < 44 || (header[6] != 1 && header[6] != 4)) {
        return "table signature, length or revision";
    }
    std::vector<std::uint8_t> t(length);
    if (memory.read(out.table_address, t.data(), length) != Status::ok) {
        return "table outside RAM";
    }
    if (mp_sum(t.data(), length) != 0) {
        return "table checksum";
    }
    if ((t[40] | t[41] << 8) != 0 || t[42] != 0) {
        return "an extended table";
    }
    out.oem.assign(reinterpret_cast<const char*>(&t[8]), 8);
    out.product.assign(reinterpret_cast<const char*>(&t[16]), 12);
    out.local_apic_address = mp_u32(&t[36]);
    const std::size_t count = t[34] | t[35] << 8;
    std::size_t at = 44;
    for (std::size_t i = 0; i < count; ++i) {
        if (at >= length) {
            return "more entries than the table holds";
        }
        const std::uint8_t* e = &t[at];
        const std::size_t size = e[0] == 0 ? 20 : 8;
        if (e[0] > 4 || at + size > length) {
            return "an unknown or cut entry";
        }
        switch (e[0]) {
            case 0:
                out.processors.push_back({e[1], e[2], e[3], mp_u32(e + 4), mp_u32(e + 8)});
                break;
            case 1:
                out.buses.push_back({e[1], std::string(reinterpret_cast<const char*>(e + 2), 6)});
                break;
            case 2:
                out.ioapics.push_back({e[1], e[2], e[3], mp_u32(e + 4)});
                break;
            default:
                (e[0] == 3 ? out.io_interrupts : out.local_interrupts)
                    .push_back({e[1], e[2], e[3], e[4], e[5], e[6], e[7]});
                break;
        }
        at += size;
    }
    return at == length ? "" : "entries do not fill the table";
}

// Linux's smp_scan_config: 16-byte steps over [base, base + length).
inline bool find_mp_floating_pointer(const GuestMemory& memory, std::uint64_t base, std::uint64_t length,
                                     std::uint64_t& found) {
    for (std::uint64_t a = base; a + 16 <= base + length; a += 16) {
        std::uint8_t fp[16];
        if (memory.read(a, fp, 16) == Status::ok && std::memcmp(fp, "_MP_", 4) == 0 && fp[8] == 1 &&
            mp_sum(fp, 16) == 0) {
            found = a;
            return true;
        }
    }
    return false;
}

}  // namespace septum::vmm::testing
