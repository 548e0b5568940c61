// What each platform device model promises whatever the guest did, read
// without side effects. The exit fuzzers check them after every exit
// (machine.cpp), the device fuzzers after every operation.
#pragma once

#include <septum/vmm/ioapic.hpp>
#include <septum/vmm/local_apic.hpp>
#include <septum/vmm/rtc.hpp>
#include <septum/vmm/uart16550.hpp>

namespace septum::fuzz {

// Registers, receiver and interrupt line of a 16550.
void check_uart(const vmm::Uart16550& uart, const char* name);
// Redirection entries of the I/O APIC.
void check_ioapic(const vmm::IoApic& ioapic);
// Status registers and interrupt line of the RTC.
void check_rtc(const vmm::Rtc& rtc);
// Vectors, priorities, LVT masks and the timer's count of a local APIC.
void check_local_apic(const vmm::LocalApic& apic);

}  // namespace septum::fuzz
