// What the VMM program takes from the machine and the kernel, behind the
// portable interfaces of vmm-server/: the console ring it shares with the
// root task, the kernel's vcpu_read_state, the TSC and CPUID.
#pragma once

#include <cstdint>

#include "septum/abi/cell.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/user/syscall.hpp"
#include "septum/vmm/console.hpp"
#include "septum/vmm/cpuid.hpp"
#include "septum/vmm/msr.hpp"
#include "septum/vmm/vcpu.hpp"

namespace septum::vmm_program {

inline constexpr auto report_endpoint = static_cast<user::CPtr>(abi::CellSlot::report);
inline constexpr auto vcpu_cap = static_cast<user::CPtr>(abi::CellSlot::vcpu);
inline constexpr auto console_notification = static_cast<user::CPtr>(abi::CellSlot::console);

// The console path: bytes into the ring shared with the root task, which
// is told of each write (the UART sends a byte per exit anyway).
class RingConsole final : public vmm::Console {
public:
    explicit RingConsole(abi::ConsoleRing& ring) : ring_(ring) {}
    void put(const char* bytes, std::size_t length) override {
        for (std::size_t i = 0; i < length; ++i) {
            ring_.bytes[ring_.written % abi::ConsoleRing::size] = bytes[i];
            // The count moves after the byte is in place: the reader never
            // sees a byte it counts before it is written.
            asm volatile("" ::: "memory");
            ++ring_.written;
        }
        (void)user::signal(console_notification);
    }
    void line(const char* text) {
        std::size_t n = 0;
        while (text[n] != '\0') {
            ++n;
        }
        put(text, n);
    }
    [[nodiscard]] std::uint64_t used() const { return ring_.written; }

private:
    abi::ConsoleRing& ring_;
};

// More of an exit's state, from the kernel (vcpu_read_state).
class KernelState final : public vmm::StateSource {
public:
    bool read(std::uint64_t mask) override {
        const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_read_state), 1, 0},
                              {mask, 0, 0, 0}};
        return user::call(vcpu_cap, m).status == Status::ok;
    }
};

inline std::uint64_t rdtsc() {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    // cppcheck-suppress badBitmaskCheck ; cppcheck does not see the asm outputs
    return (std::uint64_t{hi} << 32) | lo;
}

class HostTsc final : public vmm::Clock {
public:
    [[nodiscard]] std::uint64_t tsc() const override { return rdtsc(); }
};

class HostCpu final : public vmm::HostCpuid {
public:
    [[nodiscard]] vmm::CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf) const override {
        vmm::CpuidRegs r{};
        asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
        return r;
    }
};

}  // namespace septum::vmm_program
