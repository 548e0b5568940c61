#include "ept.hpp"

// Angle brackets: the host build puts its simulated machine first.
#include <cpu.hpp>
#include <layout.hpp>

#include "septum/abi/x86.hpp"

namespace septum::arch::ept {

namespace {

constexpr std::uint64_t rwx = 0x7;
// The memory type of a leaf entry, bits 5:3 (SDM Vol. 3C 29.3.2).
constexpr std::uint64_t memory_type_wb = std::uint64_t{static_cast<std::uint8_t>(abi::x86::MemoryType::wb)} << 3;
constexpr std::uint64_t large_page = 1u << 7;
constexpr std::uint64_t addr_mask = 0x000ffffffffff000;

unsigned index_at(std::uint64_t gpa, unsigned level) {
    return static_cast<unsigned>((gpa >> (12 + 9 * (level - 1))) & 511);
}

// The entry for gpa at `level`, walking present non-leaf entries from the
// root (level 4); nullptr if the walk stops early.
std::uint64_t* entry_at(std::uint64_t root, std::uint64_t gpa, unsigned level) {
    auto* t = phys_to_virt<std::uint64_t>(root);
    for (unsigned l = 4; t != nullptr && l > level; --l) {
        const std::uint64_t e = t[index_at(gpa, l)];
        if ((e & rwx) == 0 || (e & large_page) != 0) {
            return nullptr;
        }
        t = phys_to_virt<std::uint64_t>(e & addr_mask);
    }
    return t == nullptr ? nullptr : &t[index_at(gpa, level)];
}

// The entry for gpa at `level` if it is empty, or why not.
Result<std::uint64_t*> free_entry(std::uint64_t root, std::uint64_t gpa, unsigned level) {
    std::uint64_t* e = entry_at(root, gpa, level);
    if (e == nullptr) {
        return Status::depth_mismatch;
    }
    if ((*e & rwx) != 0) {
        return Status::slot_occupied;
    }
    return e;
}

}  // namespace

Result<std::uint64_t*> free_table_entry(std::uint64_t root, std::uint64_t gpa, unsigned table_level) {
    if (gpa >= max_guest_physical || table_level < 1 || table_level > 3) {
        return Status::invalid_argument;
    }
    return free_entry(root, gpa, table_level + 1);
}

Result<std::uint64_t*> free_frame_entry(std::uint64_t root, std::uint64_t gpa, bool large) {
    const std::uint64_t align = large ? (1u << 21) : (1u << 12);
    if (gpa >= max_guest_physical || (gpa & (align - 1)) != 0) {
        return Status::invalid_argument;
    }
    return free_entry(root, gpa, large ? 2 : 1);
}

void install_table(std::uint64_t* entry, std::uint64_t table_phys) {
    *entry = table_phys | rwx;  // the leaf decides the access
}

void install_frame(std::uint64_t* entry, std::uint64_t frame_phys, bool large, Access access) {
    std::uint64_t v = frame_phys | memory_type_wb;
    v |= access.read ? 1u : 0u;
    v |= access.write ? 2u : 0u;
    v |= access.execute ? 4u : 0u;
    v |= large ? large_page : 0;
    *entry = v;
}

void unmap(std::uint64_t root, std::uint64_t gpa, std::uint8_t entry_level, std::uint64_t phys) {
    if (entry_level == 0 || entry_level > 4) {
        return;
    }
    std::uint64_t* e = entry_at(root, gpa, entry_level);
    if (e == nullptr || (*e & rwx) == 0 || (*e & addr_mask) != phys) {
        return;
    }
    *e = 0;
    invept_all();  // cached guest translations of this entry must go
}

}  // namespace septum::arch::ept
