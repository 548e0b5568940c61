// A Notification: a word of signal bits and the threads waiting for it;
// optionally bound to one thread, whose Endpoint receive it then ends.
// 32 bytes (capabilities/: ObjectKind::notification).
#pragma once

#include <cstdint>

#include "object/thread_queue.hpp"

namespace septum::kernel {

struct Notification {
    std::uint64_t word;
    ThreadQueue waiters;
    Tcb* bound;
};

static_assert(sizeof(Notification) <= 32, "a Notification is a 32-byte object");

}  // namespace septum::kernel
