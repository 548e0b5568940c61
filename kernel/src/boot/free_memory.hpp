// Free physical memory at boot: the usable ranges of the memory map less
// everything in use (the kernel image, boot information, modules). The
// kernel takes its boot-time objects from it, then hands the rest to the
// root task as Untyped memory. Nothing allocates from it after boot.
#pragma once

#include <cstddef>
#include <cstdint>

namespace septum::boot {

struct Range {
    std::uint64_t start;
    std::uint64_t end;  // exclusive

    [[nodiscard]] std::uint64_t size() const { return end - start; }
};

class FreeMemory {
public:
    static constexpr std::size_t max_ranges = 64;
    static constexpr std::uint64_t page = 4096;

    // Adds [start, end) rounded inward to pages; overlapping additions are
    // merged. Returns false when the table is full (the range is dropped).
    bool add(std::uint64_t start, std::uint64_t end);

    // Removes [start, end) (rounded outward to pages) from every range.
    // Returns false if a split would overflow the table.
    bool reserve(std::uint64_t start, std::uint64_t end);

    // Takes 2^size_bits bytes aligned to their size from the lowest range
    // that has room; 0 if none has.
    std::uint64_t allocate(std::uint8_t size_bits);

    // Splits what is left into naturally aligned power-of-two blocks of at
    // least 2^min_bits and at most 2^max_bits bytes, smallest address first,
    // calling emit(start, size_bits) for each. Memory in no such block (for
    // ranges smaller than 2^min_bits) is reported by the return value.
    template <typename Emit>
    std::uint64_t for_each_block(std::uint8_t min_bits, std::uint8_t max_bits, Emit&& emit) const;

    [[nodiscard]] std::size_t count() const { return count_; }
    [[nodiscard]] const Range& range(std::size_t i) const { return ranges_[i]; }
    [[nodiscard]] std::uint64_t total() const;

private:
    void remove_at(std::size_t i);
    bool insert_at(std::size_t i, Range r);

    Range ranges_[max_ranges] = {};
    std::size_t count_ = 0;  // sorted by start, disjoint, non-empty
};

// The largest b <= max_bits such that start is 2^b aligned and 2^b <= size.
std::uint8_t largest_block_bits(std::uint64_t start, std::uint64_t size, std::uint8_t max_bits);

template <typename Emit>
std::uint64_t FreeMemory::for_each_block(std::uint8_t min_bits, std::uint8_t max_bits, Emit&& emit) const {
    std::uint64_t unused = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        std::uint64_t at = ranges_[i].start;
        while (at < ranges_[i].end) {
            const std::uint8_t bits = largest_block_bits(at, ranges_[i].end - at, max_bits);
            if (bits < min_bits) {
                unused += std::uint64_t{1} << bits;
            } else {
                emit(at, bits);
            }
            at += std::uint64_t{1} << bits;
        }
    }
    return unused;
}

}  // namespace septum::boot
