// Where each Frame and paging structure is mapped, so that Frame unmap and
// the destruction of a Frame or table can clear exactly that entry. One
// record per 4 KiB of physical memory below the limit, set aside at boot;
// plus which pages hold a live PML4, so a record whose address space is gone
// is never walked.
#pragma once

#include <cstdint>

namespace septum::kernel {

struct Mapping {
    std::uint64_t pml4;  // 0: not mapped
    std::uint64_t vaddr;
    std::uint8_t level;  // the level of the entry that maps it (1: page table entry)
};

class Mappings {
public:
    // storage: `frames` records and frames/64 words of root bits, zeroed.
    void init(Mapping* records, std::uint64_t* root_bits, std::uint64_t frames);
    [[nodiscard]] static std::uint64_t bytes_needed(std::uint64_t frames);

    // The live mapping of the object at phys, or nullptr.
    [[nodiscard]] const Mapping* find(std::uint64_t phys) const;
    // False when phys is beyond the table (the object cannot be mapped).
    bool set(std::uint64_t phys, std::uint64_t pml4, std::uint64_t vaddr, std::uint8_t level);
    void clear(std::uint64_t phys);

    void set_root_live(std::uint64_t pml4, bool live);
    [[nodiscard]] bool root_live(std::uint64_t pml4) const;

private:
    Mapping* records_ = nullptr;
    std::uint64_t* root_bits_ = nullptr;
    std::uint64_t frames_ = 0;
};

}  // namespace septum::kernel
