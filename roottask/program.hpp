// Starting a program from a boot module in an address space and CSpace of
// its own: how the root task starts the VMM servers of its cells.
#pragma once

#include "env.hpp"
#include "septum/user/thread.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

struct Program : Space {
    std::uint64_t entry = 0;
    user::Thread thread;
};

// Loads the ELF image of `module` into a new address space: each segment's
// pages are fresh frames holding the file's bytes (the rest zero), mapped
// read-only, writable or executable as the segment says.
Status load_program(Env& env, const abi::ModuleDescription& module, Program& p);

// Puts a copy (mint) of `cap` with `rights` (and `badge`, for an Endpoint
// or Notification) into slot `index` of the program's CSpace.
Status give(Env& env, const Program& p, std::uint64_t index, CPtr cap, std::uint64_t rights, std::uint64_t badge = 0);

// Maps a copy of `frame` (of `size`) into the program's address space at vaddr.
Status map_into(Env& env, const Program& p, CPtr frame, std::uint64_t vaddr, std::uint64_t rights,
                user::FrameSize size = user::FrameSize::small);

// Starts the program's thread at its entry with rdi = argument, with the
// Notification `bound` (if not 0) bound to it before it runs.
Status start(Env& env, Program& p, std::uint8_t priority, std::uint64_t argument, CPtr bound = 0);

// The module whose boot-loader command line is `name`, alone or followed
// by arguments ("guest-hello" is not "guest-hello2").
const abi::ModuleDescription* find_module(const abi::BootInfo& bi, const char* name);

}  // namespace septum::roottask
