#include "address_spaces.hpp"

namespace septum::kernel {

void AddressSpaces::set_live(std::uint64_t pml4, bool live) {
    const std::uint64_t i = pml4 >> 12;
    if (i >= frames_ || ((generations_[i] & 1) != 0) == live) {
        return;
    }
    ++generations_[i];  // odd: live; even: dead. Either way older mappings are now stale.
}

std::uint32_t AddressSpaces::generation(std::uint64_t pml4) const {
    const std::uint64_t i = pml4 >> 12;
    if (i >= frames_ || (generations_[i] & 1) == 0) {
        return 0;
    }
    return generations_[i];
}

}  // namespace septum::kernel
