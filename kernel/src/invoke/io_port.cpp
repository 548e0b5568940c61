#include "cpu.hpp"
#include "invocation.hpp"

namespace septum::kernel {

namespace {

bool valid_width(std::uint64_t w) { return w == 1 || w == 2 || w == 4; }

// The whole access [port, port + width) must lie in the capability's range.
bool in_range(const caps::Capability& c, std::uint64_t port, std::uint64_t width) {
    return port >= c.object && port + width - 1 <= c.last_port;
}

}  // namespace

Status invoke_io_port(Kernel&, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const caps::Capability& c = slot.cap;
    if (op == abi::Invocation::io_port_out) {
        if (!a.has(3) || !valid_width(a[1]) || !in_range(c, a[0], a[1])) {
            return Status::invalid_argument;
        }
        const auto port = static_cast<std::uint16_t>(a[0]);
        switch (a[1]) {
            case 1:
                arch::outb(port, static_cast<std::uint8_t>(a[2]));
                break;
            case 2:
                arch::outw(port, static_cast<std::uint16_t>(a[2]));
                break;
            default:
                arch::outl(port, static_cast<std::uint32_t>(a[2]));
                break;
        }
        return Status::ok;
    }
    if (op == abi::Invocation::io_port_in) {
        if (!a.has(2) || !valid_width(a[1]) || !in_range(c, a[0], a[1])) {
            return Status::invalid_argument;
        }
        const auto port = static_cast<std::uint16_t>(a[0]);
        std::uint64_t v = 0;
        switch (a[1]) {
            case 1:
                v = arch::inb(port);
                break;
            case 2:
                v = arch::inw(port);
                break;
            default:
                v = arch::inl(port);
                break;
        }
        set_message_word(caller, 0, v);
        set_message_info(caller, abi::MessageInfo{0, 1, 0});
        return Status::ok;
    }
    return Status::invalid_argument;
}

}  // namespace septum::kernel
