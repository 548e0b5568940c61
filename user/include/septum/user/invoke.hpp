// Object invocations (abi/invocation.hpp) as calls: the label and up to
// four words in registers; more go through the IPC buffer.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "septum/abi/bootinfo.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/user/syscall.hpp"

namespace septum::user {

// The calling thread's IPC buffer (set by the runtime at start).
abi::IpcBuffer* ipc_buffer();
void set_ipc_buffer(abi::IpcBuffer* buffer);

Reply invoke(CPtr object, abi::Invocation op, std::initializer_list<std::uint64_t> args);

}  // namespace septum::user
