// Which address spaces (PML4s) are alive, by generation. A capability that
// mapped a Frame or paging structure remembers the PML4's physical address
// and the generation it had then (capabilities/: Capability::mapped_*).
// Destroying a PML4 ends its generation, so a mapping whose address space is
// gone is never walked, not even when the same memory later becomes a new
// PML4. One word per 4 KiB of physical memory below the limit, set aside at
// boot.
#pragma once

#include <cstdint>

namespace septum::kernel {

class AddressSpaces {
public:
    // storage: `frames` zeroed words.
    void init(std::uint32_t* generations, std::uint64_t frames) {
        generations_ = generations;
        frames_ = frames;
    }
    [[nodiscard]] static std::uint64_t bytes_needed(std::uint64_t frames) { return frames * sizeof(std::uint32_t); }

    // Whether a PML4 at pml4 can be tracked (and so may be mapped into).
    [[nodiscard]] bool covers(std::uint64_t pml4) const { return (pml4 >> 12) < frames_; }

    // A PML4 was made (live) or destroyed at pml4: starts or ends a generation.
    void set_live(std::uint64_t pml4, bool live);

    // The current generation of a live PML4 (odd), or 0 when none lives there.
    [[nodiscard]] std::uint32_t generation(std::uint64_t pml4) const;

    // Whether a mapping made in (pml4, generation) still belongs to a live
    // address space.
    [[nodiscard]] bool alive(std::uint64_t pml4, std::uint32_t generation) const {
        return generation != 0 && this->generation(pml4) == generation;
    }

private:
    // Per page: odd while a live PML4 is there; each change bumps it.
    std::uint32_t* generations_ = nullptr;
    std::uint64_t frames_ = 0;
};

}  // namespace septum::kernel
