// The platform devices of a Linux guest, built and wired together: COM1
// and the RTC raise their ISA IRQs on the I/O APIC, which sends to the
// local APIC model; the reset ports end in Outcome::reset. attach() puts
// each at its PC address (platform.hpp); write_tables() writes the MP
// table that describes them.
//
// What the VMM program does with it: feeds console input to com1.receive()
// whenever com1.input_room() allows; wakes at rtc.next_event() (if the
// guest enabled RTC interrupts) and calls rtc.update(); nothing for reset
// beyond what Outcome::reset already does (Guest::reset resets these
// devices through the buses).
#pragma once

#include <septum/caps/status.hpp>

#include <cstdint>

#include "bus.hpp"
#include "console.hpp"
#include "cpuid.hpp"
#include "guest_memory.hpp"
#include "interrupts.hpp"
#include "ioapic.hpp"
#include "msr.hpp"
#include "reset_ports.hpp"
#include "rtc.hpp"
#include "uart16550.hpp"

namespace septum::vmm {

struct WallClock {
    std::uint32_t tsc_khz;       // the TSC's rate (BootInfo::tsc_khz)
    std::uint64_t unix_seconds;  // UTC now, for the RTC
};

class PcDevices {
public:
    PcDevices(Console& console, const Clock& clock, InterruptReceiver& local_apic, const WallClock& time)
        : ioapic{local_apic, pc::ioapic_id},
          com1{console, IrqLine{&ioapic, pc::com1_irq}},
          rtc{clock, time.tsc_khz, time.unix_seconds, IrqLine{&ioapic, pc::rtc_irq}} {}
    PcDevices(const PcDevices&) = delete;  // the devices point at each other
    PcDevices& operator=(const PcDevices&) = delete;

    // Claims every device on the buses; the first refusal is returned.
    Status attach(Bus& ports, Bus& mmio);
    // The MP table at pc::mp_table_address, with the processor as `cpuid`
    // shows it.
    Status write_tables(GuestMemory& memory, const CpuidPolicy& cpuid) const;

    IoApic ioapic;
    Uart16550 com1;
    Rtc rtc;
    KeyboardReset keyboard;
    ResetControl reset_control;
};

}  // namespace septum::vmm
