// A guest image as the VMM sees it: bytes it did not write and must not
// trust. Every field is read through read_le, which checks the bounds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace septum::vmm {

struct Image {
    const std::uint8_t* bytes;
    std::size_t size;
};

// The little-endian T (an unsigned integer) at `offset`; false, with `out`
// untouched, if any of its bytes lies outside the image.
template <class T>
bool read_le(Image image, std::uint64_t offset, T& out) {
    if (offset > image.size || image.size - offset < sizeof(T)) {
        return false;
    }
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        value = static_cast<T>(value | static_cast<T>(static_cast<T>(image.bytes[offset + i]) << (8 * i)));
    }
    out = value;
    return true;
}

}  // namespace septum::vmm
