// System call stubs (abi/syscall.hpp gives the register convention).
#pragma once

#include <cstdint>

#include "septum/abi/syscall.hpp"
#include "septum/caps/status.hpp"

namespace septum::user {

using CPtr = std::uint64_t;  // a capability address (depth 64)

struct Message {
    abi::MessageInfo info;
    std::uint64_t mr[abi::register_message_count] = {};
};

struct Reply {
    Status status;
    std::uint64_t badge;  // sender's badge, or the notification word
    Message message;
};

inline Reply syscall(abi::Syscall number, CPtr cap, const Message& m) {
    std::uint64_t rax = static_cast<std::uint64_t>(number);
    std::uint64_t rdi = cap;
    std::uint64_t rsi = m.info.encode();
    std::uint64_t rdx = m.mr[0];
    // Message registers 1-3 travel in r8-r10, which have no constraint
    // letters: register variables pin them.
    // cppcheck-suppress constStatement
    register std::uint64_t r8 asm("r8") = m.mr[1];
    // cppcheck-suppress constStatement
    register std::uint64_t r9 asm("r9") = m.mr[2];
    // cppcheck-suppress constStatement
    register std::uint64_t r10 asm("r10") = m.mr[3];
    asm volatile("syscall"
                 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
                 :
                 : "rcx", "r11", "memory");
    Reply r{static_cast<Status>(rax), rdi, Message{abi::MessageInfo::decode(rsi), {rdx, r8, r9, r10}}};
    return r;
}

inline Reply call(CPtr cap, const Message& m) { return syscall(abi::Syscall::call, cap, m); }
inline Reply send(CPtr cap, const Message& m) { return syscall(abi::Syscall::send, cap, m); }
inline Reply nb_send(CPtr cap, const Message& m) { return syscall(abi::Syscall::nb_send, cap, m); }
inline Reply recv(CPtr cap) { return syscall(abi::Syscall::recv, cap, Message{}); }
inline Reply reply_recv(CPtr cap, const Message& m) { return syscall(abi::Syscall::reply_recv, cap, m); }
inline Reply signal(CPtr cap) { return syscall(abi::Syscall::signal, cap, Message{}); }
inline Reply wait(CPtr cap) { return syscall(abi::Syscall::wait, cap, Message{}); }
inline void yield() { (void)syscall(abi::Syscall::yield, 0, Message{}); }

}  // namespace septum::user
