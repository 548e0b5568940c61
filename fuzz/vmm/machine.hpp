// A whole guest for the exit fuzzers, with every part of the environment
// checked and answering from the fuzz input: 64 KiB of guest RAM whose
// accesses are counted and may fail on demand, device windows that refuse
// any access outside their range, the real device models (UART, debug
// exit, I/O APIC, RTC, reset ports) beside devices that answer from the
// input, a host CPUID and a TSC that answer from the input, and the VCPU
// page.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/vmm/bus.hpp>
#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/debug_exit.hpp>
#include <septum/vmm/guest.hpp>
#include <septum/vmm/guest_memory.hpp>
#include <septum/vmm/interrupts.hpp>
#include <septum/vmm/ioapic.hpp>
#include <septum/vmm/reset_ports.hpp>
#include <septum/vmm/rtc.hpp>
#include <septum/vmm/uart16550.hpp>
#include <septum/vmm/vcpu.hpp>

#include <cstddef>
#include <cstdint>

#include "lazy_state.hpp"
#include "source.hpp"

namespace septum::fuzz {

// Reports a broken oracle and aborts (libFuzzer saves the input).
[[noreturn]] void violated(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Guest-physical layout.
inline constexpr std::uint64_t ram_size = 64 * 1024;
inline constexpr std::uint64_t code_base = 0x8000;  // instructions go in [code_base, ram_size)
inline constexpr std::uint64_t page_tables = 0x1000;

struct DeviceAccess {
    std::uint64_t address;
    unsigned size;
    bool write;
    bool mmio;
};

class Machine;

// A device window: checks every access against its range and size, then
// passes it to a device model or, without one, answers from the input.
class CheckedDevice final : public vmm::Device {
public:
    CheckedDevice(Machine& machine, vmm::Device* model, std::uint64_t base, std::uint64_t length, bool mmio)
        : machine_{machine}, model_{model}, base_{base}, length_{length}, mmio_{mmio} {}

    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    vmm::Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
    void reset() override;

    [[nodiscard]] std::uint64_t base() const { return base_; }
    [[nodiscard]] std::uint64_t length() const { return length_; }

private:
    void check(std::uint64_t offset, unsigned size, bool write);

    Machine& machine_;
    vmm::Device* model_;
    std::uint64_t base_;
    std::uint64_t length_;
    bool mmio_;
};

// Guest RAM over a fixed buffer; an access may fail when the input says so
// (an injected failure), and one inside RAM must otherwise succeed.
class CheckedMemory final : public vmm::GuestMemory {
public:
    CheckedMemory(Machine& machine, std::uint8_t* bytes) : machine_{machine}, bytes_{bytes}, ram_{bytes, ram_size} {}

    Status read(std::uint64_t gpa, void* out, std::size_t length) const override;
    Status write(std::uint64_t gpa, const void* in, std::size_t length) override;
    [[nodiscard]] bool contains(std::uint64_t gpa, std::uint64_t length) const override {
        return ram_.contains(gpa, length);
    }

    // Writes bytes the harness places (code, seeds) without counting them.
    void place(std::uint64_t gpa, const void* in, std::size_t length);

    mutable unsigned reads = 0;
    unsigned writes = 0;

private:
    [[nodiscard]] bool inject_failure() const;
    void check(std::uint64_t gpa, std::size_t length, Status status, bool injected) const;

    Machine& machine_;
    std::uint8_t* bytes_;
    vmm::RamGuestMemory ram_;
};

struct FuzzHostCpuid final : vmm::HostCpuid {
    explicit FuzzHostCpuid(Source& source) : source_{source} {}
    [[nodiscard]] vmm::CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf) const override;

private:
    Source& source_;
};

struct FuzzClock final : vmm::Clock {
    explicit FuzzClock(Source& source) : source_{source} {}
    [[nodiscard]] std::uint64_t tsc() const override;

private:
    Source& source_;
    mutable std::uint64_t last_ = 0;
};

// The RTC's time: a millisecond of a 1 GHz TSC per reading. It takes
// nothing from the input, so a machine is built from the same bytes as
// before the RTC was in it (recorded exits replay unchanged).
struct SteppingClock final : vmm::Clock {
    static constexpr std::uint32_t khz = 1'000'000;
    [[nodiscard]] std::uint64_t tsc() const override { return now += khz; }
    mutable std::uint64_t now = 0;
};

// The local APIC's stand-in: what the I/O APIC sends in fixed or
// lowest-priority mode becomes a pending vector, as a local APIC would
// accept it; it counts what it is sent.
struct DirectApic final : vmm::InterruptReceiver {
    void deliver(const vmm::InterruptMessage& message) override;
    vmm::Guest* guest = nullptr;
    unsigned messages = 0;
    bool delivering = false;  // re-entry into deliver() is a bug
};

struct CountingConsole final : vmm::Console {
    std::size_t bytes = 0;
    void put(const char* /*data*/, std::size_t length) override { bytes += length; }
};

class Machine {
public:
    explicit Machine(Source& source);
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    // Device accesses of the exit in progress, in summary: how many, the
    // first, and whether all went to the first one's address and size.
    struct DeviceAccesses {
        std::size_t count = 0;
        DeviceAccess first{};
        bool uniform = true;
    };
    void record_device_access(const DeviceAccess& access);
    [[nodiscard]] const DeviceAccesses& device_accesses() const { return accesses_; }
    void forget_accesses();

    Source& source;
    FuzzHostCpuid host_cpuid;
    vmm::CpuidPolicy cpuid;
    FuzzClock clock;
    CountingConsole console;
    vmm::Bus ports;
    vmm::Bus mmio;
    DirectApic apic;
    vmm::IoApic ioapic;
    SteppingClock rtc_clock;
    vmm::Uart16550 uart;  // COM1, on I/O APIC pin 4
    vmm::Uart16550 mmio_uart;
    vmm::DebugExit debug_exit;
    vmm::Rtc rtc;  // on pin 8
    vmm::KeyboardReset keyboard;
    vmm::ResetControl reset_control;
    CheckedDevice port_devices[9];
    CheckedDevice mmio_devices[4];
    vmm::Guest guest;
    abi::VcpuPage page{};
    LazyState lazy;
    vmm::Vcpu vcpu;
    CheckedMemory memory;
    // False once the input made state or exit fields no processor reports
    // (corrupted state, random event fields): oracles that assume hardware
    // input are then skipped.
    bool plausible = true;

private:
    DeviceAccesses accesses_;
};

// The device models' own invariants, checked after every exit.
void check_device_models(Machine& m);

}  // namespace septum::fuzz
