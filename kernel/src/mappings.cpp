#include "mappings.hpp"

namespace septum::kernel {

void Mappings::init(Mapping* records, std::uint64_t* root_bits, std::uint64_t frames) {
    records_ = records;
    root_bits_ = root_bits;
    frames_ = frames;
}

std::uint64_t Mappings::bytes_needed(std::uint64_t frames) {
    return frames * sizeof(Mapping) + (frames + 63) / 64 * sizeof(std::uint64_t);
}

const Mapping* Mappings::find(std::uint64_t phys) const {
    const std::uint64_t i = phys >> 12;
    if (i >= frames_ || records_[i].pml4 == 0 || !root_live(records_[i].pml4)) {
        return nullptr;
    }
    return &records_[i];
}

bool Mappings::set(std::uint64_t phys, std::uint64_t pml4, std::uint64_t vaddr, std::uint8_t level) {
    const std::uint64_t i = phys >> 12;
    if (i >= frames_) {
        return false;
    }
    records_[i] = Mapping{pml4, vaddr, level};
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
    if (i >= frames_) {
        return;
    }
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    root_bits_[i / 64] = live ? (root_bits_[i / 64] | bit) : (root_bits_[i / 64] & ~bit);
}

bool Mappings::root_live(std::uint64_t pml4) const {
    const std::uint64_t i = pml4 >> 12;
    return i < frames_ && (root_bits_[i / 64] & (std::uint64_t{1} << (i % 64))) != 0;
}

}  // namespace septum::kernel
