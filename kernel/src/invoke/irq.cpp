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

Status invoke_irq(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const auto line = static_cast<unsigned>(slot.cap.object);
    if (line >= arch::pic::line_count) {
        return Status::out_of_range;  // lines beyond the legacy PICs need an I/O APIC driver
    }
    switch (op) {
        case abi::Invocation::irq_handler_set_notification: {
            if (!a.has(1)) {
                return Status::invalid_argument;
            }
            Status error = Status::ok;
            const caps::Slot* n = lookup(k, caller, a[0], error);
            if (n == nullptr) {
                return error;
            }
            if (n->cap.kind != caps::ObjectKind::notification) {
                return Status::wrong_kind;
            }
            if (!caps::is_subset(caps::Rights::write, n->cap.rights)) {
                return Status::insufficient_rights;
            }
            k.irqs[line] = IrqBinding{physical_pointer<Notification>(n->cap.object), n->cap.badge};
            arch::set_interrupt_handler(static_cast<std::uint8_t>(arch::pic::vector_base + line), on_irq);
            arch::pic::unmask(line);
            return Status::ok;
        }
        case abi::Invocation::irq_handler_ack:
            if (k.irqs[line].notification == nullptr) {
                return Status::invalid_argument;  // nothing to acknowledge
            }
            arch::pic::unmask(line);
            return Status::ok;
        default:
            return Status::invalid_argument;
    }
}

}  // namespace septum::kernel
