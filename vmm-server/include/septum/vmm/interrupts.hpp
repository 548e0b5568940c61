// How interrupts travel through the platform, as three small interfaces:
//
//   device --IrqLine--> InterruptLines (the I/O APIC's input pins)
//          --InterruptMessage--> InterruptReceiver (the local APIC)
//   local APIC --end_of_interrupt--> EoiListener (the I/O APIC)
//
// A device drives a line's level; the controller decides what a level
// change means (edge or level triggering, masking). The local APIC model
// implements InterruptReceiver; the I/O APIC implements InterruptLines and
// EoiListener. Message fields are those of the I/O APIC's redirection
// entries (Intel 82093AA datasheet, section 3.2.4; SDM Vol. 3A 10.11).
#pragma once

#include <cstdint>

namespace septum::vmm {

// Interrupt controller inputs. A line outside the controller's range is
// ignored: a device wired to a pin that does not exist raises nothing.
class InterruptLines {
public:
    virtual void set_line(unsigned line, bool asserted) = 0;

protected:
    InterruptLines() = default;
    InterruptLines(const InterruptLines&) = default;
    InterruptLines& operator=(const InterruptLines&) = default;
    ~InterruptLines() = default;  // never deleted through this interface: no heap
};

// One device's interrupt output: a pin of a controller, or nowhere (a
// device whose interrupt is not wired, as in the small test cells).
struct IrqLine {
    InterruptLines* controller = nullptr;
    unsigned line = 0;

    void set(bool asserted) const {
        if (controller != nullptr) {
            controller->set_line(line, asserted);
        }
    }
};

// Delivery modes (82093AA Table 3-6 / SDM Vol. 3A 10.11.2). 3 and 6 are
// reserved and never sent.
enum class DeliveryMode : std::uint8_t {
    fixed = 0,
    lowest_priority = 1,
    smi = 2,
    nmi = 4,
    init = 5,
    extint = 7,
};

struct InterruptMessage {
    std::uint8_t vector;
    DeliveryMode mode;
    bool logical;              // destination mode: logical (true) or physical APIC ID
    bool level;                // level-triggered: the receiver sets the vector's TMR bit and
                               // sends end_of_interrupt to the I/O APIC when the guest EOIs it
    std::uint8_t destination;  // APIC ID (physical) or logical destination set

    friend constexpr bool operator==(const InterruptMessage&, const InterruptMessage&) = default;
};

// The local APICs an interrupt message reaches; the local APIC model
// implements this. It decides whether the destination names it, refuses
// illegal vectors (0-15 in fixed and lowest-priority mode, SDM Vol. 3A
// 10.5.3) and must not call back into the sender from deliver().
class InterruptReceiver {
public:
    virtual void deliver(const InterruptMessage& message) = 0;

protected:
    InterruptReceiver() = default;
    InterruptReceiver(const InterruptReceiver&) = default;
    InterruptReceiver& operator=(const InterruptReceiver&) = default;
    ~InterruptReceiver() = default;
};

// Where a local APIC sends the EOI of a level-triggered vector (the EOI
// broadcast, SDM Vol. 3A 10.8.5).
class EoiListener {
public:
    virtual void end_of_interrupt(std::uint8_t vector) = 0;

protected:
    EoiListener() = default;
    EoiListener(const EoiListener&) = default;
    EoiListener& operator=(const EoiListener&) = default;
    ~EoiListener() = default;
};

}  // namespace septum::vmm
