// Where each Frame and paging structure is mapped, so that Frame unmap and
// the destruction of a Frame or table can clear exactly that entry. One
// record per 4 KiB of physical memory below the limit, set aside at boot.
//
// A record names its address space by the PML4's physical address and the
// generation that PML4 had when the mapping was made. Destroying a PML4 ends
// its generation, so a record whose address space is gone is never walked,
// not even when the same memory later becomes a new PML4.
#pragma once

#include <cstdint>

namespace septum::kernel {

struct Mapping {
    std::uint64_t pml4;  // 0: not mapped
    std::uint64_t vaddr;
    std::uint32_t generation;  // of the PML4, when the mapping was made
    std::uint8_t level;        // the level of the entry that maps it (1: page table entry)
};

class Mappings {
public:
    // storage: `frames` records and `frames` generation words, zeroed.
    void init(Mapping* records, std::uint32_t* generations, std::uint64_t frames);
    [[nodiscard]] static std::uint64_t bytes_needed(std::uint64_t frames);

    // The live mapping of the object at phys, or nullptr.
    [[nodiscard]] const Mapping* find(std::uint64_t phys) const;
    // Whether objects at phys can be recorded (and so may be mapped).
    [[nodiscard]] bool covers(std::uint64_t phys) const { return (phys >> 12) < frames_; }
    // False when phys or pml4 is beyond the table (the object cannot be mapped).
    bool set(std::uint64_t phys, std::uint64_t pml4, std::uint64_t vaddr, std::uint8_t level);
    void clear(std::uint64_t phys);

    // A PML4 was made (live) or destroyed at pml4: starts or ends a generation.
    void set_root_live(std::uint64_t pml4, bool live);
    [[nodiscard]] bool root_live(std::uint64_t pml4) const;

private:
    Mapping* records_ = nullptr;
    // Per page: odd while a live PML4 is there; each change bumps it.
    std::uint32_t* generations_ = nullptr;
    std::uint64_t frames_ = 0;
};

}  // namespace septum::kernel
