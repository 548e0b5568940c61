// A whole guest on the host: 1 MiB of RAM in an array, a CPUID table, a
// clock, the buses with a UART and the debug-exit port, and a VCPU page.
#pragma once

#include <septum/vmm/bus.hpp>
#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/debug_exit.hpp>
#include <septum/vmm/guest.hpp>
#include <septum/vmm/guest_memory.hpp>
#include <septum/vmm/uart16550.hpp>
#include <septum/vmm/vcpu.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace septum::vmm::testing {

struct StringConsole final : Console {
    std::string out;
    void put(const char* bytes, std::size_t length) override { out.append(bytes, length); }
};

// A Skylake-like host: every feature bit set, so the tests see the policy's
// allow lists and nothing of the host.
struct FakeHostCpuid final : HostCpuid {
    std::map<std::pair<std::uint32_t, std::uint32_t>, CpuidRegs> leaves;
    FakeHostCpuid();
    [[nodiscard]] CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf) const override;
};

struct FakeClock final : Clock {
    std::uint64_t now = 123456789;
    [[nodiscard]] std::uint64_t tsc() const override { return now; }
};

// Flat 32-bit protected mode, CPL 0.
abi::VcpuState protected_mode_state();
// Long mode with 4-level paging, CPL 0 (page tables are the test's business).
abi::VcpuState long_mode_state();
// Real mode at 0000:0000.
abi::VcpuState real_mode_state();

class VmmTest : public ::testing::Test {
protected:
    static constexpr std::uint64_t ram_size = 1 << 20;

    VmmTest();

    // Prepares an exit: reason, qualification, instruction length.
    void set_exit(std::uint32_t reason, std::uint64_t qualification = 0, std::uint32_t length = 0);
    // Places code bytes at guest-physical `gpa`.
    void put_code(std::uint64_t gpa, const std::vector<std::uint8_t>& bytes);
    [[nodiscard]] x86::EventInfo injection() const { return x86::EventInfo{page.state.inject_info}; }
    [[nodiscard]] std::uint32_t injected_vector() const { return injection().vector(); }
    [[nodiscard]] bool injected() const { return injection().valid(); }
    [[nodiscard]] bool injected_gp() const { return injected() && injected_vector() == Vcpu::vector(x86::Vector::gp); }
    [[nodiscard]] bool injected_ud() const { return injected() && injected_vector() == Vcpu::vector(x86::Vector::ud); }

    std::vector<std::uint8_t> ram;
    RamGuestMemory memory;
    FakeHostCpuid host_cpuid;
    CpuidPolicy cpuid;
    FakeClock clock;
    StringConsole console;
    Bus ports;
    Bus mmio;
    Uart16550 uart;
    DebugExit debug_exit;
    Guest guest;
    abi::VcpuPage page{};
    Vcpu vcpu;
};

}  // namespace septum::vmm::testing
