// The one entry of the exit handlers: what the VMM does with the exit the
// kernel's run call just returned. Any reason, known or not, comes back as
// an explicit Outcome; after it, Vcpu::dirty() names the state to supply
// at the next run and Vcpu::interrupt_window_wanted() whether to ask for
// an interrupt window.
#pragma once

#include "guest.hpp"
#include "guest_memory.hpp"
#include "outcome.hpp"
#include "vcpu.hpp"

namespace septum::vmm {

Outcome handle_exit(Guest& guest, Vcpu& vcpu, GuestMemory& memory);

}  // namespace septum::vmm
