#include "septum/user/console.hpp"

#include "septum/user/invoke.hpp"

namespace septum::user {

namespace {
constexpr std::uint64_t com1 = 0x3f8;
constexpr std::uint64_t com1_line_status = com1 + 5;
constexpr std::uint64_t lsr_thr_empty = 0x20;
constexpr unsigned max_polls = 1u << 16;

void put_byte(CPtr ports, std::uint8_t b) {
    for (unsigned i = 0; i < max_polls; ++i) {
        const Reply r = invoke(ports, abi::Invocation::io_port_in, {com1_line_status, 1});
        if (r.status != Status::ok || (r.message.mr[0] & lsr_thr_empty) != 0) {
            break;
        }
    }
    (void)invoke(ports, abi::Invocation::io_port_out, {com1, 1, b});
}
}  // namespace

void Console::put(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] == '\n') {
            put_byte(ports_, '\r');
        }
        put_byte(ports_, static_cast<std::uint8_t>(s[i]));
    }
}

}  // namespace septum::user
