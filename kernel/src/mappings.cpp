#include "mappings.hpp"

namespace septum::kernel {

void Mappings::init(Mapping* records, std::uint32_t* generations, std::uint64_t frames) {
    records_ = records;
    generations_ = generations;
    frames_ = frames;
}

std::uint64_t Mappings::bytes_needed(std::uint64_t frames) {
    return frames * (sizeof(Mapping) + sizeof(std::uint32_t));
}

const Mapping* Mappings::find(std::uint64_t phys) const {
    const std::uint64_t i = phys >> 12;
    if (i >= frames_) {
        return nullptr;
    }
    const Mapping& m = records_[i];
    if (m.pml4 == 0 || !root_live(m.pml4) || generations_[m.pml4 >> 12] != m.generation) {
        return nullptr;
    }
    return &m;
}

bool Mappings::set(std::uint64_t phys, std::uint64_t pml4, std::uint64_t vaddr, std::uint8_t level) {
    const std::uint64_t i = phys >> 12;
    if (i >= frames_ || (pml4 >> 12) >= frames_) {
        return false;
    }
    records_[i] = Mapping{pml4, vaddr, generations_[pml4 >> 12], level};
    return true;
}

void Mappings::clear(std::uint64_t phys) {
    const std::uint64_t i = phys >> 12;
    if (i < frames_) {
        records_[i] = Mapping{};
    }
}

void Mappings::set_root_live(std::uint64_t pml4, bool live) {
    const std::uint64_t i = pml4 >> 12;
    if (i >= frames_ || root_live(pml4) == live) {
        return;
    }
    ++generations_[i];  // odd: live; even: dead. Either way every old record is now stale.
}

bool Mappings::root_live(std::uint64_t pml4) const {
    const std::uint64_t i = pml4 >> 12;
    return i < frames_ && (generations_[i] & 1) != 0;
}

}  // namespace septum::kernel
