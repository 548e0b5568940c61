#include <septum/vmm/guest.hpp>

namespace septum::vmm {

void Guest::raise_interrupt(std::uint8_t vector) {
    if (vector >= 32) {
        pending_.bits[vector / 64] |= std::uint64_t{1} << (vector % 64);
    }
}

int Guest::next_interrupt() const {
    for (int word = 3; word >= 0; --word) {
        const std::uint64_t bits = pending_.bits[word];
        if (bits == 0) {
            continue;
        }
        const int vector = word * 64 + 63 - __builtin_clzll(bits);
        // Only a priority class above the TPR interrupts (SDM Vol. 3A 10.8.3.1).
        return (vector >> 4) > tpr ? vector : -1;
    }
    return -1;
}

void Guest::acknowledge(std::uint8_t vector) { pending_.bits[vector / 64] &= ~(std::uint64_t{1} << (vector % 64)); }

void Guest::reset() {
    msrs = MsrState{};
    tpr = 0;
    debug = DebugRegisters{};
    pending_ = Pending{};
    ports.reset_devices();
    mmio.reset_devices();
}

}  // namespace septum::vmm
