#include "vspace.hpp"

// Angle brackets: the host build of the kernel core puts its simulated
// machine (kernel/arch/host) first in the include path, and a quoted include
// would find this directory's hardware versions first.
#include <cpu.hpp>
#include <layout.hpp>

#include "septum/abi/x86.hpp"

extern "C" std::uint64_t boot_pml4[512];

namespace septum::arch::vspace {

namespace {

namespace pte = abi::x86::pte;
constexpr unsigned kernel_half = 256;

std::uint64_t* table(std::uint64_t phys) { return phys_to_virt<std::uint64_t>(phys); }

unsigned index_at(std::uint64_t vaddr, unsigned level) {
    return static_cast<unsigned>((vaddr >> (12 + 9 * (level - 1))) & 511);
}

// The entry for vaddr at `level` (4 = PML4 ... 1 = page table), walking
// down from the PML4 through present, non-large entries; nullptr if the
// walk stops early.
std::uint64_t* entry_at(std::uint64_t pml4_phys, std::uint64_t vaddr, unsigned level) {
    std::uint64_t* t = table(pml4_phys);
    for (unsigned l = 4; l > level; --l) {
        const std::uint64_t e = t[index_at(vaddr, l)];
        if ((e & pte::present) == 0 || (e & pte::large) != 0) {
            return nullptr;
        }
        t = table(e & pte::address);
        if (t == nullptr) {
            return nullptr;
        }
    }
    return &t[index_at(vaddr, level)];
}

bool user_half(std::uint64_t vaddr) { return index_at(vaddr, 4) < kernel_half && vaddr < (1ull << 47); }

// The entry for vaddr at `level` if it is empty, or why not.
Result<std::uint64_t*> free_entry(std::uint64_t pml4_phys, std::uint64_t vaddr, unsigned level) {
    std::uint64_t* e = entry_at(pml4_phys, vaddr, level);
    if (e == nullptr) {
        return Status::depth_mismatch;
    }
    if ((*e & pte::present) != 0) {
        return Status::slot_occupied;
    }
    return e;
}

}  // namespace

void init_root(std::uint64_t pml4_phys) {
    std::uint64_t* t = table(pml4_phys);
    for (unsigned i = 0; i < kernel_half; ++i) {
        t[i] = 0;
    }
    for (unsigned i = kernel_half; i < 512; ++i) {
        t[i] = boot_pml4[i];
    }
}

Result<std::uint64_t*> free_table_entry(std::uint64_t pml4_phys, std::uint64_t vaddr, Level level) {
    if (!user_half(vaddr)) {
        return Status::invalid_argument;
    }
    return free_entry(pml4_phys, vaddr, table_entry_level(level));
}

Result<std::uint64_t*> free_frame_entry(std::uint64_t pml4_phys, std::uint64_t vaddr, bool large) {
    const std::uint64_t align = large ? (1u << 21) : (1u << 12);
    if (!user_half(vaddr) || (vaddr & (align - 1)) != 0 || vaddr < 0x1000) {
        return Status::invalid_argument;
    }
    return free_entry(pml4_phys, vaddr, frame_level(large));
}

void install_table(std::uint64_t* entry, std::uint64_t table_phys) {
    // Intermediate entries allow everything; the leaf decides.
    *entry = table_phys | pte::present | pte::write | pte::user;
}

void install_frame(std::uint64_t* entry, std::uint64_t frame_phys, bool large, FrameRights rights) {
    std::uint64_t v = frame_phys | pte::present | pte::user;
    v |= rights.write ? pte::write : 0;
    v |= rights.execute ? 0 : pte::nx;
    v |= large ? pte::large : 0;
    *entry = v;
}

Status map_table(std::uint64_t pml4_phys, std::uint64_t vaddr, Level level, std::uint64_t table_phys) {
    const Result<std::uint64_t*> e = free_table_entry(pml4_phys, vaddr, level);
    if (e.ok()) {
        install_table(e.value(), table_phys);
    }
    return e.status();
}

Status map_frame(std::uint64_t pml4_phys, std::uint64_t vaddr, std::uint64_t frame_phys, bool large,
                 FrameRights rights) {
    const Result<std::uint64_t*> e = free_frame_entry(pml4_phys, vaddr, large);
    if (e.ok()) {
        install_frame(e.value(), frame_phys, large, rights);
    }
    return e.status();
}

std::uint64_t translate(std::uint64_t pml4_phys, std::uint64_t vaddr) {
    for (unsigned level = 1; level <= 2; ++level) {
        const std::uint64_t* e = entry_at(pml4_phys, vaddr, level);
        if (e == nullptr || (*e & pte::present) == 0) {
            continue;
        }
        if (level == 1 || (*e & pte::large) != 0) {
            const std::uint64_t page = std::uint64_t{1} << (12 + 9 * (level - 1));
            return (*e & pte::address & ~(page - 1)) | (vaddr & (page - 1));
        }
    }
    return ~std::uint64_t{0};
}

void unmap(std::uint64_t pml4_phys, std::uint64_t vaddr, std::uint8_t entry_level, std::uint64_t phys) {
    if (entry_level == 0) {
        return;
    }
    std::uint64_t* e = entry_at(pml4_phys, vaddr, entry_level);
    if (e == nullptr || (*e & pte::present) == 0 || (*e & pte::address) != phys) {
        return;  // no longer mapped there: an upper level went first
    }
    *e = 0;
    if ((read_cr3() & pte::address) == pml4_phys) {
        // A table entry may cover many pages: flush them all.
        if (entry_level == 1) {
            invlpg(reinterpret_cast<void*>(vaddr));
        } else {
            write_cr3(read_cr3());
        }
    }
}

}  // namespace septum::arch::vspace
