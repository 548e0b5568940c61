#include "boot/free_memory.hpp"

namespace septum::boot {

namespace {
constexpr std::uint64_t round_down(std::uint64_t v, std::uint64_t a) { return v & ~(a - 1); }
constexpr std::uint64_t round_up(std::uint64_t v, std::uint64_t a) {
    return v > ~std::uint64_t{0} - (a - 1) ? round_down(v, a) : round_down(v + a - 1, a);
}
}  // namespace

std::uint8_t largest_block_bits(std::uint64_t start, std::uint64_t size, std::uint8_t max_bits) {
    std::uint8_t bits = 0;
    while (bits < max_bits && bits < 63) {
        const std::uint64_t next = std::uint64_t{1} << (bits + 1);
        if ((start & (next - 1)) != 0 || next > size) {
            break;
        }
        ++bits;
    }
    return bits;
}

void FreeMemory::remove_at(std::size_t i) {
    for (std::size_t j = i + 1; j < count_; ++j) {
        ranges_[j - 1] = ranges_[j];
    }
    --count_;
}

bool FreeMemory::insert_at(std::size_t i, Range r) {
    if (count_ == max_ranges) {
        return false;
    }
    for (std::size_t j = count_; j > i; --j) {
        ranges_[j] = ranges_[j - 1];
    }
    ranges_[i] = r;
    ++count_;
    return true;
}

bool FreeMemory::add(std::uint64_t start, std::uint64_t end) {
    Range r{round_up(start, page), round_down(end, page)};
    if (r.end <= r.start) {
        return true;
    }
    // Absorb every range that overlaps or touches r, then insert in order.
    std::size_t i = 0;
    while (i < count_) {
        const Range& c = ranges_[i];
        if (c.end < r.start || c.start > r.end) {
            ++i;
            continue;
        }
        r.start = c.start < r.start ? c.start : r.start;
        r.end = c.end > r.end ? c.end : r.end;
        remove_at(i);
    }
    std::size_t at = 0;
    while (at < count_ && ranges_[at].start < r.start) {
        ++at;
    }
    return insert_at(at, r);
}

bool FreeMemory::reserve(std::uint64_t start, std::uint64_t end) {
    const std::uint64_t s = round_down(start, page);
    const std::uint64_t e = round_up(end, page);
    for (std::size_t i = 0; i < count_;) {
        const Range c = ranges_[i];
        if (c.end <= s || c.start >= e) {
            ++i;
            continue;
        }
        const Range left{c.start, s}, right{e, c.end};
        remove_at(i);
        if (c.start < s) {
            if (!insert_at(i++, left)) {
                return false;
            }
        }
        if (e < c.end) {
            if (!insert_at(i++, right)) {
                return false;
            }
        }
    }
    return true;
}

std::uint64_t FreeMemory::allocate(std::uint8_t size_bits) {
    const std::uint64_t size = std::uint64_t{1} << size_bits;
    const std::uint64_t align = size < page ? page : size;
    for (std::size_t i = 0; i < count_; ++i) {
        const std::uint64_t at = round_up(ranges_[i].start, align);
        if (at >= ranges_[i].start && at < ranges_[i].end && size <= ranges_[i].end - at) {
            if (!reserve(at, at + size)) {
                return 0;
            }
            return at;
        }
    }
    return 0;
}

std::uint64_t FreeMemory::total() const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        sum += ranges_[i].size();
    }
    return sum;
}

}  // namespace septum::boot
