// IRQHandler invocations: deliver an interrupt line as a notification.
#include "interrupts.hpp"
#include "invocation.hpp"
#include "physical.hpp"
#include "pic.hpp"

namespace septum::kernel {

namespace {

// An interrupt on a user-owned line: mask it until the handler acknowledges,
// then signal the notification bound to it.
void on_irq(arch::InterruptFrame& f) {
    const auto line = static_cast<unsigned>(f.vector - arch::pic::vector_base);
    arch::pic::mask(line);
    arch::pic::eoi(line);
    const IrqBinding& b = kernel.irqs[line];
    if (b.notification != nullptr) {
        kernel.signal(*b.notification, b.badge);
    }
}

}  // namespace

void Kernel::unbind_irq(unsigned line) {
    if (line < arch::pic::line_count) {
        arch::pic::mask(line);
        irqs[line] = IrqBinding{};
    }
}

namespace {

struct IrqInvocation {
    bool set_notification = false;  // else acknowledge
    unsigned line = 0;
    Notification* notification = nullptr;  // set_notification: signalled on the interrupt
    std::uint64_t badge = 0;
};

Result<IrqInvocation> decode_irq(Kernel& k, const Tcb& caller, const caps::Slot& slot, abi::Invocation op,
                                 const Arguments& a) {
    const auto line = static_cast<unsigned>(slot.cap.object);  // at most max_irq (create_initial)
    if (line >= arch::pic::line_count) {
        return Status::out_of_range;  // lines beyond the legacy PICs need an I/O APIC driver
    }
    switch (op) {
        case abi::Invocation::irq_handler_set_notification: {
            if (!a.has(1)) {
                return Status::invalid_argument;
            }
            const Result<caps::Slot*> n =
                extra_capability(k, caller, a.raw(0), caps::ObjectKind::notification, caps::Rights::write);
            SEPTUM_TRY(n);
            const caps::Capability& c = n.value()->cap;
            return IrqInvocation{true, line, physical_pointer<Notification>(c.object), c.badge};
        }
        case abi::Invocation::irq_handler_ack:
            if (k.irqs[line].notification == nullptr) {
                return Status::invalid_argument;  // nothing to acknowledge
            }
            return IrqInvocation{false, line, nullptr, 0};
        default:
            return Status::invalid_argument;
    }
}

Status invoke_irq(Kernel& k, const IrqInvocation& i) {
    if (i.set_notification) {
        k.irqs[i.line] = IrqBinding{i.notification, i.badge};
        arch::set_interrupt_handler(static_cast<std::uint8_t>(arch::pic::vector_base + i.line), on_irq);
    }
    arch::pic::unmask(i.line);
    return Status::ok;
}

}  // namespace

Status irq_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<IrqInvocation> decoded = decode_irq(k, caller, slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_irq(k, decoded.value());
}

}  // namespace septum::kernel
