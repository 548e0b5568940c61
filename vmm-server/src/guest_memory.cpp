#include <septum/vmm/guest_memory.hpp>

namespace septum::vmm {

Status GuestMemory::read_u32(std::uint64_t gpa, std::uint32_t& out) const {
    std::uint8_t b[4] = {};
    SEPTUM_TRY(read(gpa, b, sizeof b));
    out = 0;
    for (unsigned i = 0; i < sizeof b; ++i) {
        out |= static_cast<std::uint32_t>(b[i]) << (8 * i);
    }
    return Status::ok;
}

Status GuestMemory::read_u64(std::uint64_t gpa, std::uint64_t& out) const {
    std::uint8_t b[8] = {};
    SEPTUM_TRY(read(gpa, b, sizeof b));
    out = 0;
    for (unsigned i = 0; i < sizeof b; ++i) {
        out |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    }
    return Status::ok;
}

Status GuestMemory::write_u32(std::uint64_t gpa, std::uint32_t value) {
    std::uint8_t b[4] = {};
    for (unsigned i = 0; i < sizeof b; ++i) {
        b[i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    return write(gpa, b, sizeof b);
}

Status GuestMemory::zero(std::uint64_t gpa, std::uint64_t length) {
    if (!contains(gpa, length)) {
        return Status::out_of_range;
    }
    static constexpr std::uint8_t zeros[256] = {};
    while (length > 0) {
        const std::size_t chunk = length < sizeof zeros ? static_cast<std::size_t>(length) : sizeof zeros;
        SEPTUM_TRY(write(gpa, zeros, chunk));
        gpa += chunk;
        length -= chunk;
    }
    return Status::ok;
}

bool RamGuestMemory::contains(std::uint64_t gpa, std::uint64_t length) const {
    // Written so that no sum can wrap: gpa - base_ is checked before use.
    if (gpa < base_) {
        return false;
    }
    const std::uint64_t offset = gpa - base_;
    return offset <= size_ && length <= size_ - offset;
}

Status RamGuestMemory::read(std::uint64_t gpa, void* out, std::size_t length) const {
    if (!contains(gpa, length)) {
        return Status::out_of_range;
    }
    const std::uint8_t* from = bytes_ + (gpa - base_);
    auto* to = static_cast<std::uint8_t*>(out);
    for (std::size_t i = 0; i < length; ++i) {
        to[i] = from[i];
    }
    return Status::ok;
}

Status RamGuestMemory::write(std::uint64_t gpa, const void* in, std::size_t length) {
    if (!contains(gpa, length)) {
        return Status::out_of_range;
    }
    std::uint8_t* to = bytes_ + (gpa - base_);
    const auto* from = static_cast<const std::uint8_t*>(in);
    for (std::size_t i = 0; i < length; ++i) {
        to[i] = from[i];
    }
    return Status::ok;
}

Status RamGuestMemory::zero(std::uint64_t gpa, std::uint64_t length) {
    if (!contains(gpa, length)) {
        return Status::out_of_range;
    }
    std::uint8_t* to = bytes_ + (gpa - base_);
    for (std::uint64_t i = 0; i < length; ++i) {
        to[i] = 0;
    }
    return Status::ok;
}

}  // namespace septum::vmm
