// Where a thread's stack and IPC buffer live, by convention, so that a
// thread finds its own IPC buffer without thread-local storage (the kernel
// does not switch FS or GS bases): its stack lies in a window of
// stack_window bytes aligned to that size, and its IPC buffer is the page
// at ipc_buffer_offset above the window's top. The root task's stack and
// IPC buffer, placed by the kernel, follow the same rule.
#pragma once

#include <cstdint>

#include "septum/abi/bootinfo.hpp"

namespace septum::user {

inline constexpr std::uint64_t page_size = 4096;
inline constexpr std::uint64_t stack_window = 0x10000;  // 64 KiB
inline constexpr std::uint64_t ipc_buffer_offset = page_size;

static_assert(abi::root_task_stack_top % stack_window == 0, "the root task's stack top is a window's top");
static_assert(abi::root_task_stack_pages * page_size <= stack_window, "the root task's stack fits its window");
static_assert(abi::root_task_ipc_buffer == abi::root_task_stack_top + ipc_buffer_offset,
              "the root task's IPC buffer sits where the convention says");

// Threads made by the runtime: window i has its stack top at
// thread_windows + (2 i + 1) * stack_window (every other window is left
// free for the IPC buffers above the stacks).
inline constexpr std::uint64_t thread_windows = 0x100000000000;
inline constexpr std::uint64_t thread_stack_pages = 4;

constexpr std::uint64_t thread_stack_top(std::uint64_t window) {
    return thread_windows + (2 * window + 1) * stack_window;
}

// The IPC buffer of the thread whose stack pointer is rsp.
constexpr std::uint64_t ipc_buffer_for_stack(std::uint64_t rsp) {
    return ((rsp + stack_window - 1) & ~(stack_window - 1)) + ipc_buffer_offset;
}

}  // namespace septum::user
