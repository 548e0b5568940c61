#include "septum/user/thread.hpp"

#include "septum/user/invoke.hpp"
#include "septum/user/layout.hpp"
#include "septum/user/vspace.hpp"

extern "C" char septum_thread_entry[];

namespace septum::user {

Status Thread::create(Allocator& a, const ThreadSpec& spec) {
    const Result<CPtr> made = a.make(caps::ObjectKind::tcb);
    SEPTUM_TRY(made);
    tcb_ = made.value();
    stack_top_ = thread_stack_top(spec.window);
    priority_ = spec.priority;
    for (std::uint64_t i = 1; i <= thread_stack_pages; ++i) {
        SEPTUM_TRY(map_new_frame(a, spec.vspace, stack_top_ - i * page_size, rw));
    }
    const Result<CPtr> buffer = map_new_frame(a, spec.vspace, ipc_buffer_address(), rw);
    SEPTUM_TRY(buffer);
    if (spec.same_vspace) {
        reinterpret_cast<abi::IpcBuffer*>(ipc_buffer_address())->user_data = tcb_;
    }
    return invoke(tcb_, abi::Invocation::tcb_configure,
                  {spec.cspace, spec.vspace, buffer.value(), ipc_buffer_address(), spec.fault_endpoint})
        .status;
}

Status Thread::start_at(std::uint64_t rip, std::uint64_t rdi, std::uint64_t rsi, std::uint64_t rdx) {
    SEPTUM_TRY(invoke(tcb_, abi::Invocation::tcb_write_registers, {rip, stack_top_, 0, rdi, rsi, rdx}).status);
    SEPTUM_TRY(invoke(tcb_, abi::Invocation::tcb_set_priority, {priority_}).status);
    return invoke(tcb_, abi::Invocation::tcb_resume, {}).status;
}

Status Thread::start(void (*fn)(std::uint64_t), std::uint64_t arg) {
    return start_at(reinterpret_cast<std::uint64_t>(septum_thread_entry), arg, reinterpret_cast<std::uint64_t>(fn), 0);
}

void thread_exit() {
    const CPtr self = ipc_buffer()->user_data;
    for (;;) {
        (void)invoke(self, abi::Invocation::tcb_suspend, {});
    }
}

}  // namespace septum::user

extern "C" [[noreturn]] void septum_thread_exit() { septum::user::thread_exit(); }
