// What the device fuzzers share: a clock the harness sets, and the widths
// an access may have.
#pragma once

#include <septum/vmm/msr.hpp>

#include <cstdint>

#include "source.hpp"

namespace septum::fuzz {

struct SetClock final : vmm::Clock {
    std::uint64_t now = 0;
    [[nodiscard]] std::uint64_t tsc() const override { return now; }
};

// 1, 2, 4 or 8 bytes.
inline unsigned access_size(Source& source) {
    constexpr unsigned sizes[] = {1, 2, 4, 8};
    return sizes[source.u8() % 4];
}

}  // namespace septum::fuzz
