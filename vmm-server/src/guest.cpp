#include <septum/vmm/guest.hpp>
#include <septum/vmm/local_apic.hpp>

namespace septum::vmm {

void Guest::raise_interrupt(std::uint8_t vector) {
    if (vector >= 32 && apic != nullptr) {
        apic->raise(vector);
    } else if (vector >= 32) {
        pending_.bits[vector / 64] |= std::uint64_t{1} << (vector % 64);
    }
}

int Guest::next_interrupt() const {
    if (apic != nullptr) {
        return apic->next_interrupt();
    }
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

void Guest::acknowledge(std::uint8_t vector) {
    if (apic != nullptr) {
        apic->acknowledge(vector);
        return;
    }
    pending_.bits[vector / 64] &= ~(std::uint64_t{1} << (vector % 64));
}

std::uint8_t Guest::cr8() const { return apic != nullptr ? apic->cr8() : tpr; }

void Guest::set_cr8(std::uint8_t value) {
    if (apic != nullptr) {
        apic->set_cr8(value);
    } else {
        tpr = value;
    }
}

void Guest::reset() {
    msrs = MsrState{};
    tpr = 0;
    debug = DebugRegisters{};
    pending_ = Pending{};
    if (apic != nullptr) {
        apic->reset();  // also when the program did not claim it on the MMIO bus
    }
    ports.reset_devices();
    mmio.reset_devices();
}

}  // namespace septum::vmm
