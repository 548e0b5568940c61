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

inline std::uint64_t rdtsc() {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    // cppcheck-suppress badBitmaskCheck ; cppcheck does not see the asm outputs
    return (std::uint64_t{hi} << 32) | lo;
}

// The console path: bytes into the ring shared with the root task, which
// is told of each write (the UART sends a byte per exit anyway). In bench
// mode (bench.hpp) each line begins with "@TSC ", the TSC at which its
// first byte was written, in decimal.
class RingConsole final : public vmm::Console {
public:
    explicit RingConsole(abi::ConsoleRing& ring) : ring_(ring) {}
    void put(const char* bytes, std::size_t length) override {
        for (std::size_t i = 0; i < length; ++i) {
            if (stamp_ && line_start_) {
                stamp(rdtsc());
            }
            append(bytes[i]);
            line_start_ = bytes[i] == '\n';
        }
        (void)user::signal(console_notification);
    }
    void stamp_lines() { stamp_ = true; }
    // Ends the guest's line, if it is in the middle of one, so that what
    // follows is a line of its own.
    void begin_line() {
        if (!line_start_) {
            put("\n", 1);
        }
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
    void append(char c) {
        ring_.bytes[ring_.written % abi::ConsoleRing::size] = c;
        // The count moves after the byte is in place: the reader never
        // sees a byte it counts before it is written.
        asm volatile("" ::: "memory");
        ++ring_.written;
    }
    void stamp(std::uint64_t tsc) {
        char digits[20];
        unsigned n = 0;
        do {
            digits[n++] = static_cast<char>('0' + tsc % 10);
            tsc /= 10;
        } while (tsc != 0);
        append('@');
        while (n > 0) {
            append(digits[--n]);
        }
        append(' ');
    }

    abi::ConsoleRing& ring_;
    bool stamp_ = false;
    bool line_start_ = true;
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
