// The debug-exit port: a write stops the guest with the written value as
// its code, like QEMU's isa-debug-exit (whose process status is then
// (value << 1) | 1). Test guests end their run through it.
#pragma once

#include <cstdint>

#include "bus.hpp"

namespace septum::vmm {

class DebugExit final : public Device {
public:
    static constexpr std::uint16_t default_port = 0xf4;
    static constexpr std::uint64_t width = 4;

    std::uint64_t read(std::uint64_t /*offset*/, unsigned /*size*/) override { return 0; }
    Outcome write(std::uint64_t /*offset*/, unsigned /*size*/, std::uint64_t value) override {
        return Outcome::stop(StopReason::guest_request, value);
    }
};

}  // namespace septum::vmm
