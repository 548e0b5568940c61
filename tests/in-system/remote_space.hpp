// A second address space and CSpace for the tests, with the remote_server
// code of remote.S copied into it and a thread serving an Endpoint there.
#pragma once

#include <cstdint>

#include "env.hpp"
#include "septum/user/thread.hpp"

namespace septum::roottask {

struct RemoteSpace : Space {
    user::Thread thread;
    static constexpr CPtr endpoint_slot = 1;  // in the remote CSpace
};

// Builds a RemoteSpace serving `endpoint` (the server gets a receive-only
// copy) at `priority`; its faults go to fault_endpoint (0: none).
Status make_remote(Env& env, RemoteSpace& r, CPtr endpoint, std::uint8_t priority, CPtr fault_endpoint);
// Maps a new frame holding `value` (first word) at vaddr in another address space.
Status map_remote_word(Env& env, CPtr pml4, std::uint64_t vaddr, std::uint64_t value);

}  // namespace septum::roottask
