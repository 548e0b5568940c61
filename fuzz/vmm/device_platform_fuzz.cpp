// The platform fuzzer: the devices of a Linux guest wired as PcDevices
// wires them (COM1 and the RTC on the I/O APIC, the reset ports), reached
// through the port and MMIO buses at any address and width, with console
// input, RTC time and guest resets in between. Only the reset ports end in
// Outcome::reset, and only for their reset commands; nothing else ends a
// write but resume; every device keeps its invariants; the I/O APIC never
// delivers from inside a delivery.
#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/guest.hpp>
#include <septum/vmm/pc_devices.hpp>

#include <cstdint>

#include "device_fuzz.hpp"
#include "device_oracles.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {
namespace {

struct Apic final : vmm::InterruptReceiver {
    unsigned messages = 0;
    bool inside = false;
    void deliver(const vmm::InterruptMessage& /*message*/) override {
        if (inside) {
            violated("delivery from inside a delivery");
        }
        inside = true;
        ++messages;
        inside = false;
    }
};

struct NoHost final : vmm::HostCpuid {
    [[nodiscard]] vmm::CpuidRegs query(std::uint32_t /*leaf*/, std::uint32_t /*subleaf*/) const override { return {}; }
};

bool is_reset_command(std::uint64_t port, unsigned size, std::uint64_t value) {
    const std::uint64_t byte = value & 0xff;
    return size == 1 && ((port == vmm::KeyboardReset::port && byte == vmm::KeyboardReset::pulse_reset) ||
                         (port == vmm::ResetControl::port && (byte & vmm::ResetControl::rst_cpu) != 0));
}

}  // namespace
}  // namespace septum::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    CountingConsole console;
    SetClock clock;
    Apic apic;
    vmm::Bus ports, mmio;
    vmm::PcDevices devices{console, clock, apic,
                           vmm::WallClock{static_cast<std::uint32_t>(1u + source.u16()), source.value()}};
    if (devices.attach(ports, mmio) != Status::ok) {
        violated("the platform does not fit on empty buses");
    }
    const NoHost host;
    const vmm::CpuidPolicy cpuid{host};
    vmm::Guest guest{cpuid, ports, mmio, console, clock, abi::VcpuState{}};
    constexpr std::uint64_t port_bases[] = {0x3f8, 0x70, 0x64, 0xcf8, 0x60};
    for (unsigned op = 0; op < 2048 && !source.empty(); ++op) {
        const std::uint8_t kind = source.u8() % 8;
        const unsigned width = access_size(source);
        if (kind < 4) {
            const bool port_space = kind < 3;
            const std::uint64_t address = port_space ? port_bases[source.u8() % 5] + source.u8() % 10
                                                     : vmm::IoApic::default_base + source.u16() % 0x1010;
            if (source.one_in(2)) {
                (void)(port_space ? ports : mmio).read(address, width);
                continue;
            }
            const std::uint64_t value = source.value();
            const vmm::Outcome outcome = (port_space ? ports : mmio).write(address, width, value);
            const bool reset = port_space && is_reset_command(address, width, value);
            if (outcome != (reset ? vmm::Outcome::reset() : vmm::Outcome::resume())) {
                violated("a write of %#llx to %s %#llx (size %u) ended in action %u",
                         static_cast<unsigned long long>(value), port_space ? "port" : "address",
                         static_cast<unsigned long long>(address), width, static_cast<unsigned>(outcome.action));
            }
            if (reset) {
                guest.reset();  // what handle_exit does next
            }
        } else if (kind == 4) {
            std::uint8_t bytes[24];
            const std::size_t n = source.u8() % sizeof bytes;
            source.bytes(bytes, n);
            (void)devices.com1.receive(bytes, n);
        } else if (kind == 5) {
            clock.now += source.value();
            devices.rtc.update();
        } else if (kind == 6) {
            if (devices.rtc.next_event() <= clock.now) {
                devices.rtc.update();
            }
        } else if (source.one_in(4)) {
            guest.reset();
            for (unsigned pin = 0; pin < vmm::IoApic::pins; ++pin) {
                if (devices.ioapic.entry(pin) != (std::uint64_t{1} << 16)) {
                    violated("pin %u not masked after a reset", pin);
                }
            }
        }
        check_uart(devices.com1, "COM1");
        check_ioapic(devices.ioapic);
        check_rtc(devices.rtc);
        if (devices.ioapic.line(vmm::pc::com1_irq) != devices.com1.irq_asserted() ||
            devices.ioapic.line(vmm::pc::rtc_irq) != devices.rtc.irq_asserted()) {
            violated("an I/O APIC pin and its device disagree");
        }
    }
    return 0;
}
