#include <septum/vmm/bus.hpp>

namespace septum::vmm {

namespace {

// [a, a + n) and [b, b + m) overlap; no sum wraps (both ranges were checked).
bool overlaps(std::uint64_t a, std::uint64_t n, std::uint64_t b, std::uint64_t m) { return a < b + m && b < a + n; }

}  // namespace

Status Bus::claim(std::uint64_t base, std::uint64_t length, Device& device) {
    if (length == 0 || base + length < base) {
        return Status::invalid_argument;
    }
    for (std::size_t i = 0; i < count_; ++i) {
        if (overlaps(base, length, ranges_[i].base, ranges_[i].length)) {
            return Status::slot_occupied;
        }
    }
    if (count_ == capacity) {
        return Status::out_of_range;
    }
    ranges_[count_++] = Range{base, length, &device};
    return Status::ok;
}

Device* Bus::find(std::uint64_t address, unsigned size, std::uint64_t& offset) const {
    for (std::size_t i = 0; i < count_; ++i) {
        const Range& r = ranges_[i];
        if (address >= r.base && address - r.base < r.length && size <= r.length - (address - r.base)) {
            offset = address - r.base;
            return r.device;
        }
    }
    return nullptr;
}

bool Bus::claimed(std::uint64_t address, unsigned size) const {
    std::uint64_t offset = 0;
    return find(address, size, offset) != nullptr;
}

std::uint64_t Bus::read(std::uint64_t address, unsigned size) const {
    std::uint64_t offset = 0;
    Device* device = find(address, size, offset);
    if (device == nullptr) {
        return all_ones(size);
    }
    return device->read(offset, size) & all_ones(size);
}

Outcome Bus::write(std::uint64_t address, unsigned size, std::uint64_t value) const {
    std::uint64_t offset = 0;
    Device* device = find(address, size, offset);
    if (device == nullptr) {
        return Outcome::resume();
    }
    return device->write(offset, size, value & all_ones(size));
}

void Bus::reset_devices() const {
    for (std::size_t i = 0; i < count_; ++i) {
        ranges_[i].device->reset();
    }
}

}  // namespace septum::vmm
