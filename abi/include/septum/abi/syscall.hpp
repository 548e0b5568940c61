// The system call interface between the kernel and user space: numbers,
// registers and the message-info word. This header is the one source: the
// kernel decodes with it, user/ builds its stubs from it, and tools/abi-doc
// prints docs/syscalls.md from it (a test keeps the two equal).
#pragma once

#include <cstdint>

// X(name, number, summary)
#define SEPTUM_SYSCALLS(X)                                                                                             \
    X(call, 1,                                                                                                         \
      "On an Endpoint: send the message, then wait for the reply, which comes back in the same registers. On "         \
      "any other capability: invoke the object (the label in the message info says which operation).")                 \
    X(send, 2,                                                                                                         \
      "On an Endpoint: send the message, waiting until a receiver takes it. On a Notification: signal it. On "         \
      "any other capability: invoke the object without waiting for the reply.")                                        \
    X(nb_send, 3, "On an Endpoint: send the message if a receiver is waiting, else drop it. Never blocks.")            \
    X(recv, 4,                                                                                                         \
      "On an Endpoint: wait for a message; the sender's badge is returned. On a Notification: wait for a "             \
      "signal, as wait.")                                                                                              \
    X(reply_recv, 5, "Reply to the thread this one last received a call from (if any), then receive on the Endpoint.") \
    X(signal, 6, "On a Notification: OR the capability's badge into its word and wake one waiter.")                    \
    X(wait, 7, "On a Notification: wait until its word is non-zero; the word is returned (as the badge) and cleared.") \
    X(yield, 8, "Give the rest of the timeslice to the next ready thread of the same priority.")

namespace septum::abi {

enum class Syscall : std::uint64_t {
// NOLINTNEXTLINE(bugprone-macro-parentheses): expands to an enumerator declaration
#define SEPTUM_SYSCALL_ENUM(name, number, summary) name = number,
    SEPTUM_SYSCALLS(SEPTUM_SYSCALL_ENUM)
#undef SEPTUM_SYSCALL_ENUM
};

// Registers at SYSCALL (x86_64). SYSCALL itself overwrites rcx (return RIP)
// and r11 (RFLAGS), so they carry nothing.
//
//   in:  rax  syscall number
//        rdi  capability address (all 64 bits are resolved)
//        rsi  message info (below)
//        rdx, r8, r9, r10  message registers 0-3; the rest are in the IPC buffer
//   out: rax  Status (0: ok)
//        rdi  badge of the sender (receive), or the notification word
//        rsi  message info of the message received or the reply
//        rdx, r8, r9, r10  message registers 0-3
//
// Every other register is preserved.
inline constexpr unsigned register_message_count = 4;
inline constexpr unsigned max_message_length = 64;  // words, registers included
inline constexpr unsigned max_extra_caps = 3;

// Message info: bits 0-6 length (message words), bits 7-8 number of extra
// capabilities (their addresses in the IPC buffer), bits 12-63 label.
struct MessageInfo {
    std::uint64_t label = 0;
    std::uint8_t length = 0;
    std::uint8_t extra_caps = 0;

    [[nodiscard]] constexpr std::uint64_t encode() const {
        return (label << 12) | (std::uint64_t{extra_caps} & 0x3) << 7 | (std::uint64_t{length} & 0x7f);
    }
    // Decoding masks every field into range; callers still check length
    // against max_message_length and extra_caps against max_extra_caps.
    [[nodiscard]] static constexpr MessageInfo decode(std::uint64_t raw) {
        return MessageInfo{raw >> 12, static_cast<std::uint8_t>(raw & 0x7f),
                           static_cast<std::uint8_t>((raw >> 7) & 0x3)};
    }
};

// The IPC buffer: one page per thread, set with TcbConfigure. Message words
// from register_message_count on live in mr[]; extra capability addresses
// of a sent message in caps[]; where received capabilities go in receive_*.
struct IpcBuffer {
    std::uint64_t mr[max_message_length];
    std::uint64_t caps[max_extra_caps];
    std::uint64_t receive_cnode;  // capability address of a CNode in the receiver's CSpace
    std::uint64_t receive_index;  // slot index in that CNode
    std::uint64_t user_data;      // free for the runtime (thread-local pointer)
};
static_assert(sizeof(IpcBuffer) <= 4096, "the IPC buffer is one page");

}  // namespace septum::abi
