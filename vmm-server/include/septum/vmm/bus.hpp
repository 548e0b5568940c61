// Devices and the buses they sit on (Cloud Hypervisor's shape: one small
// device interface, one bus type). The port-I/O space and the MMIO space
// are each a Bus; a device sees offsets from the base it was claimed at.
#pragma once

#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "outcome.hpp"

namespace septum::vmm {

class Device {
public:
    // size is 1, 2, 4 or 8 bytes; the value is in the low `size` bytes.
    virtual std::uint64_t read(std::uint64_t offset, unsigned size) = 0;
    // A write may end the guest (the debug-exit port); otherwise resume.
    virtual Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) = 0;
    // Back to the power-on state: the guest is being reset (Guest::reset).
    // What survives a reset on a real machine (the RTC's time) survives.
    virtual void reset() {}

protected:
    Device() = default;
    Device(const Device&) = default;
    Device& operator=(const Device&) = default;
    ~Device() = default;  // never deleted through this interface: no heap
};

class Bus {
public:
    static constexpr std::size_t capacity = 16;

    // Places `device` at [base, base + length); refuses an empty, wrapping
    // or overlapping range (invalid_argument, slot_occupied) and a full bus
    // (out_of_range).
    Status claim(std::uint64_t base, std::uint64_t length, Device& device);

    // The device whose range holds all of [address, address + size), and
    // the offset into it; nullptr when none does.
    [[nodiscard]] Device* find(std::uint64_t address, unsigned size, std::uint64_t& offset) const;
    [[nodiscard]] bool claimed(std::uint64_t address, unsigned size) const;

    // An access to no device reads all ones and drops writes, as an
    // unclaimed ISA bus does.
    std::uint64_t read(std::uint64_t address, unsigned size) const;
    Outcome write(std::uint64_t address, unsigned size, std::uint64_t value) const;

    // Resets every device on the bus (a device claimed twice, twice).
    void reset_devices() const;

private:
    struct Range {
        std::uint64_t base;
        std::uint64_t length;
        Device* device;
    };
    Range ranges_[capacity] = {};
    std::size_t count_ = 0;
};

// All ones in the low `size` bytes.
constexpr std::uint64_t all_ones(unsigned size) {
    return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1;
}

}  // namespace septum::vmm
