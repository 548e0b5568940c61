#include "septum/user/invoke.hpp"

#include "septum/user/layout.hpp"

namespace septum::user {

abi::IpcBuffer* ipc_buffer() {
    std::uint64_t rsp = 0;
    asm("mov %%rsp, %0" : "=r"(rsp));
    return reinterpret_cast<abi::IpcBuffer*>(ipc_buffer_for_stack(rsp));
}

Message message(std::uint64_t label, std::initializer_list<std::uint64_t> words) {
    Message m;
    abi::IpcBuffer* buffer = ipc_buffer();
    unsigned i = 0;
    for (std::uint64_t w : words) {
        if (i < abi::register_message_count) {
            m.mr[i] = w;
        } else if (i < abi::max_message_length) {
            buffer->mr[i] = w;
        }
        ++i;
    }
    m.info = abi::MessageInfo{label, static_cast<std::uint8_t>(i), 0};
    return m;
}

Reply invoke(CPtr object, abi::Invocation op, std::initializer_list<std::uint64_t> args) {
    return call(object, message(static_cast<std::uint64_t>(op), args));
}

}  // namespace septum::user
