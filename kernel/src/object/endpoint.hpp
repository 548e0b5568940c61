// An Endpoint: a rendezvous point for synchronous IPC. It holds only a queue
// of waiting threads, all senders or all receivers (the head's state says
// which). 16 bytes (capabilities/: ObjectKind::endpoint).
#pragma once

#include "object/thread_queue.hpp"

namespace septum::kernel {

struct Endpoint {
    ThreadQueue queue;

    [[nodiscard]] bool has_receiver() const { return !queue.empty() && queue.head->state == ThreadState::blocked_recv; }
    [[nodiscard]] bool has_sender() const { return !queue.empty() && queue.head->state == ThreadState::blocked_send; }
};

static_assert(sizeof(Endpoint) <= 16, "an Endpoint is a 16-byte object");

}  // namespace septum::kernel
