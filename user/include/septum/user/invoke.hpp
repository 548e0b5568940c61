// Object invocations (abi/invocation.hpp) as calls: the label and up to
// four words in registers; more go through the IPC buffer.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "septum/abi/bootinfo.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/user/syscall.hpp"

namespace septum::user {

// The calling thread's IPC buffer, found from its stack pointer
// (user/layout.hpp).
abi::IpcBuffer* ipc_buffer();

Reply invoke(CPtr object, abi::Invocation op, std::initializer_list<std::uint64_t> args);

// A message with the label and words given: the first four in registers,
// the rest written to the calling thread's IPC buffer.
Message message(std::uint64_t label, std::initializer_list<std::uint64_t> words);

}  // namespace septum::user
