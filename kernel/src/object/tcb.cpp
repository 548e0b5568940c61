#include "object/tcb.hpp"

#include <new>

#include "physical.hpp"

namespace septum::kernel {

Tcb* tcb_create(void* memory) {
    Tcb fresh{};
    fresh.context = arch::initial_user_context();
    fresh.fpu = arch::fpu::initial_state();
    fresh.state = ThreadState::inactive;
    return new (memory) Tcb(fresh);
}

abi::IpcBuffer* Tcb::ipc_buffer() const {
    const caps::Slot& s = slots[ipc_buffer_slot];
    if (s.empty()) {
        return nullptr;
    }
    // The buffer occupies the start of the frame; TcbConfigure checked that
    // the frame is a 4 KiB one.
    return physical_pointer<abi::IpcBuffer>(s.cap.object);
}

}  // namespace septum::kernel
