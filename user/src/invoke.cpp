#include "septum/user/invoke.hpp"

namespace septum::user {

namespace {
abi::IpcBuffer* current_buffer = nullptr;
}

abi::IpcBuffer* ipc_buffer() { return current_buffer; }
void set_ipc_buffer(abi::IpcBuffer* buffer) { current_buffer = buffer; }

Reply invoke(CPtr object, abi::Invocation op, std::initializer_list<std::uint64_t> args) {
    Message m;
    unsigned i = 0;
    for (std::uint64_t a : args) {
        if (i < abi::register_message_count) {
            m.mr[i] = a;
        } else if (current_buffer != nullptr && i < abi::max_message_length) {
            current_buffer->mr[i] = a;
        }
        ++i;
    }
    m.info = abi::MessageInfo{static_cast<std::uint64_t>(op), static_cast<std::uint8_t>(i), 0};
    return call(object, m);
}

}  // namespace septum::user
