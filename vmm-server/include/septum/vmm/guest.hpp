// Everything the VMM keeps about one guest beyond its VCPU's registers: the
// devices, the policies, the state of the emulated parts of the CPU and the
// virtual interrupts waiting for delivery. Nothing here is allocated; the
// VMM program owns the objects this refers to.
#pragma once

#include <septum/abi/vcpu.hpp>

#include <cstdint>

#include "bus.hpp"
#include "console.hpp"
#include "cpuid.hpp"
#include "msr.hpp"

namespace septum::vmm {

class LocalApic;

struct Policy {
    // A guest-physical access to neither RAM nor a device, or an MMIO
    // instruction the emulator cannot complete: stop the guest (the default:
    // such a guest is broken or hostile) or inject #GP(0).
    enum class Unclaimed : std::uint8_t { stop, inject_gp };
    // An exception the kernel was told to intercept: give it back to the
    // guest, or stop the guest (a test harness that wants to see it).
    enum class Exceptions : std::uint8_t { reflect, stop };

    Unclaimed unclaimed = Unclaimed::stop;
    Exceptions exceptions = Exceptions::reflect;
};

class Guest {
public:
    Guest(const CpuidPolicy& cpuid, Bus& ports, Bus& mmio, Console& console, const Clock& clock,
          const abi::VcpuState& initial, Policy policy = {})
        : cpuid{cpuid}, ports{ports}, mmio{mmio}, console{console}, clock{clock}, policy{policy}, initial{initial} {}

    // A device server asked for `vector` (32-255; lower ones are exceptions
    // and are dropped). Delivered when the guest can take it.
    void raise_interrupt(std::uint8_t vector);
    // The highest pending vector the TPR lets through, or -1.
    [[nodiscard]] int next_interrupt() const;
    void acknowledge(std::uint8_t vector);
    [[nodiscard]] bool interrupt_pending() const { return next_interrupt() >= 0; }
    // CR8: the TPR's priority class.
    [[nodiscard]] std::uint8_t cr8() const;
    void set_cr8(std::uint8_t value);

    // A reset of the machine but its memory: the VMM's CPU state and every
    // device on the buses return to power-on. The registers come from
    // `initial` (done by the triple-fault handler); the program reloads the
    // image.
    void reset();

    MsrContext msr_context() { return {msrs, clock, cpuid, apic}; }

    const CpuidPolicy& cpuid;
    Bus& ports;
    Bus& mmio;
    Console& console;
    const Clock& clock;
    Policy policy;
    abi::VcpuState initial;  // what a reset restores

    // The guest's local APIC, or none (the small test guests): then the
    // pending vectors and the TPR below stand in for it. With one, the
    // interrupt calls above, CR8 and the APIC's MSRs go to it.
    LocalApic* apic = nullptr;
    // The CPU's APIC virtualization the program turned on for it
    // (abi::apic_virt; 0: every APIC access exits and is emulated). With
    // virtual-interrupt delivery, interrupts go in by the guest interrupt
    // status, not by injection.
    std::uint32_t apic_virt = 0;
    MsrState msrs;
    std::uint8_t tpr = 0;  // CR8 without a local APIC (SDM Vol. 3A 10.8.6.1): priority class 0-15
    // Debug registers as MOV DR last wrote them; power-on values (SDM Vol.
    // 3B 17.2). Not yet loaded into the hardware: see docs/vmm-server.md.
    struct DebugRegisters {
        std::uint64_t dr[4] = {};
        std::uint64_t dr6 = 0xffff0ff0;
        std::uint64_t dr7 = 0x400;
    } debug;

private:
    struct Pending {
        std::uint64_t bits[4] = {};  // one bit per vector, like a local APIC's IRR
    } pending_;
};

}  // namespace septum::vmm
