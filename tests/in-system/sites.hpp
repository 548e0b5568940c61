// The assembly the tests run (sites.S, remote.S), declared for C++.
#pragma once

#include <cstdint>

#include "asm_constants.h"
#include "septum/abi/syscall.hpp"

extern "C" {
std::uint64_t probe_read(std::uint64_t address);
void probe_write(std::uint64_t address, std::uint64_t value);
void fault_ud2();
void probe_exec(std::uint64_t address);
extern char probe_read_insn[], probe_read_done[];
extern char probe_write_insn[], probe_write_done[];
extern char fault_ud2_done[];
extern char probe_exec_fixup[];

extern char remote_server[];
extern char __remote_text_start[], __remote_text_end[];
}

namespace septum::roottask {

static_assert(SYSCALL_RECV == static_cast<int>(abi::Syscall::recv), "asm_constants.h agrees with the ABI");
static_assert(SYSCALL_REPLY_RECV == static_cast<int>(abi::Syscall::reply_recv), "asm_constants.h agrees with the ABI");
static_assert(abi::MessageInfo{1, 0, 0}.encode() == (std::uint64_t{1} << MESSAGE_INFO_LABEL_SHIFT),
              "asm_constants.h agrees with the ABI");

template <typename T>
std::uint64_t address_of(T* p) {
    return reinterpret_cast<std::uint64_t>(p);
}

}  // namespace septum::roottask
