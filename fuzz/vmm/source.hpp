// The fuzz input as a stream of decisions (the shape of Xen's x86 emulator
// harness): the harness builds a mostly valid exit from it, and every
// callback the handlers make into the environment (device reads, the TSC,
// the host's CPUID, failures of guest-memory accesses) takes its answer
// from what is left. An exhausted stream answers zeros and "no failure",
// so a short recorded exit replays as it happened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace septum::fuzz {

class Source {
public:
    Source(const std::uint8_t* data, std::size_t size) : data_{data}, size_{size} {}

    [[nodiscard]] bool empty() const { return pos_ >= size_; }
    [[nodiscard]] std::size_t remaining() const { return empty() ? 0 : size_ - pos_; }

    std::uint8_t u8() { return empty() ? 0 : data_[pos_++]; }
    std::uint16_t u16() { return read<std::uint16_t>(); }
    std::uint32_t u32() { return read<std::uint32_t>(); }
    std::uint64_t u64() { return read<std::uint64_t>(); }

    // Copies up to `length` bytes; the rest of `out` is zero.
    void bytes(void* out, std::size_t length) {
        const std::size_t n = length < remaining() ? length : remaining();
        std::memset(out, 0, length);
        if (n > 0) {
            std::memcpy(out, data_ + pos_, n);
        }
        pos_ += n;
    }

    template <typename T>
    T read() {
        T value{};
        bytes(&value, sizeof value);
        return value;
    }

    // True about once in `n` decisions; never once the stream is empty, so
    // rare paths (corruption, injected failures) stay rare and recorded
    // exits replay unchanged.
    bool one_in(unsigned n) { return !empty() && u8() % n == 0; }

    // A register value: small values, boundary values and full words, as
    // a tag byte and then only as many bytes as the value needs.
    std::uint64_t value() {
        const std::uint8_t tag = u8();
        switch (tag % 8) {
            case 0:
                return tag >> 3;
            case 1:
                return u8();
            case 2:
                return u16();
            case 3:
                return u32();
            case 4:
                return ~std::uint64_t{0} - (tag >> 3);
            case 5:
                return std::uint64_t{1} << (tag >> 2);
            default:
                return u64();
        }
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace septum::fuzz
