// IOPortRange invocations: one port access within the capability's range.
#include "cpu.hpp"
#include "invocation.hpp"

namespace septum::kernel {

namespace {

enum class Width : std::uint8_t { byte = 1, word = 2, dword = 4 };

struct IoPortInvocation {
    bool out = false;  // out: write `value`; in: read into message word 0
    std::uint16_t port = 0;
    Width width = Width::byte;
    std::uint32_t value = 0;  // out only; what the access carries of it
};

bool valid_width(std::uint64_t raw_width) { return raw_width == 1 || raw_width == 2 || raw_width == 4; }

// The whole access [port, port + width) must lie in the capability's range.
// Written without raw_port + width, which wraps for a port near 2^64 and
// let such an access through to the top ports of the machine.
bool in_range(const caps::Capability& c, std::uint64_t raw_port, std::uint64_t width) {
    return raw_port >= c.object && raw_port <= c.last_port && width - 1 <= c.last_port - raw_port;
}

Result<IoPortInvocation> decode_io_port(const caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const bool out = op == abi::Invocation::io_port_out;
    if (!out && op != abi::Invocation::io_port_in) {
        return Status::invalid_argument;
    }
    if (!a.has(out ? 3 : 2)) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_port = a.raw(0), raw_width = a.raw(1);
    if (!valid_width(raw_width) || !in_range(slot.cap, raw_port, raw_width)) {
        return Status::invalid_argument;
    }
    // In range of a capability whose ports are at most max_io_port: 16 bits.
    return IoPortInvocation{out, static_cast<std::uint16_t>(raw_port), static_cast<Width>(raw_width),
                            out ? static_cast<std::uint32_t>(a.raw(2)) : 0};
}

void port_out(const IoPortInvocation& i) {
    switch (i.width) {
        case Width::byte:
            arch::outb(i.port, static_cast<std::uint8_t>(i.value));
            break;
        case Width::word:
            arch::outw(i.port, static_cast<std::uint16_t>(i.value));
            break;
        case Width::dword:
            arch::outl(i.port, i.value);
            break;
    }
}

std::uint64_t port_in(const IoPortInvocation& i) {
    switch (i.width) {
        case Width::byte:
            return arch::inb(i.port);
        case Width::word:
            return arch::inw(i.port);
        case Width::dword:
            break;
    }
    return arch::inl(i.port);
}

Status invoke_io_port(Tcb& caller, const IoPortInvocation& i) {
    if (i.out) {
        port_out(i);
        return Status::ok;
    }
    set_message_word(caller, 0, port_in(i));
    set_message_info(caller, abi::MessageInfo{0, 1, 0});
    return Status::ok;
}

}  // namespace

Status io_port_invocation(Kernel&, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<IoPortInvocation> decoded = decode_io_port(slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_io_port(caller, decoded.value());
}

}  // namespace septum::kernel
