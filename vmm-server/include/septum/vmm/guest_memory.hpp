// Guest-physical memory as the handlers see it: checked copies in and out.
// Every access is bounds-checked; a failure is a Status, never a crash.
// The real VMM maps its guest's frames into its own address space and uses
// RamGuestMemory over that mapping; host tests use it over an array, and
// fuzzers may derive their own to inject failures.
#pragma once

#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

namespace septum::vmm {

class GuestMemory {
public:
    // Copies [gpa, gpa + length) out of or into guest RAM; out_of_range if
    // any byte is outside it (then nothing is copied).
    virtual Status read(std::uint64_t gpa, void* out, std::size_t length) const = 0;
    virtual Status write(std::uint64_t gpa, const void* in, std::size_t length) = 0;
    // Whether [gpa, gpa + length) is all guest RAM.
    [[nodiscard]] virtual bool contains(std::uint64_t gpa, std::uint64_t length) const = 0;

    // Fills [gpa, gpa + length) with zeros; out_of_range (nothing written)
    // if any byte is outside RAM. By default through write, a chunk at a
    // time; a memory that can do better (a kernel's BSS is megabytes)
    // says so.
    virtual Status zero(std::uint64_t gpa, std::uint64_t length);

    // Little-endian scalar helpers on top of read/write.
    Status read_u32(std::uint64_t gpa, std::uint32_t& out) const;
    Status read_u64(std::uint64_t gpa, std::uint64_t& out) const;
    Status write_u32(std::uint64_t gpa, std::uint32_t value);

protected:
    GuestMemory() = default;
    GuestMemory(const GuestMemory&) = default;
    GuestMemory& operator=(const GuestMemory&) = default;
    ~GuestMemory() = default;  // never deleted through this interface: no heap
};

// One contiguous range of guest RAM at guest-physical `base`, backed by
// `size` bytes at `bytes`.
class RamGuestMemory final : public GuestMemory {
public:
    RamGuestMemory(std::uint8_t* bytes, std::uint64_t size, std::uint64_t base = 0)
        : bytes_{bytes}, size_{size}, base_{base} {}

    Status read(std::uint64_t gpa, void* out, std::size_t length) const override;
    Status write(std::uint64_t gpa, const void* in, std::size_t length) override;
    [[nodiscard]] bool contains(std::uint64_t gpa, std::uint64_t length) const override;
    Status zero(std::uint64_t gpa, std::uint64_t length) override;

    [[nodiscard]] std::uint64_t base() const { return base_; }
    [[nodiscard]] std::uint64_t size() const { return size_; }

private:
    std::uint8_t* bytes_;
    std::uint64_t size_;
    std::uint64_t base_;
};

}  // namespace septum::vmm
