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

// The guest state handle_exit reads or edits for an exit of `basic_reason`,
// as vcpu_state bits: what the VMM asks the kernel for (run's `want` and
// abi::VcpuPage::want_by_reason). Every group a handler reads or partly
// edits must be in it, or the handler would see (and hand back) values of
// an older exit. Reasons without a short list get everything.
std::uint64_t state_needed(std::uint32_t basic_reason);

// Fills `page`'s table with state_needed for every reason it has room for.
void set_state_needed(abi::VcpuPage& page);

}  // namespace septum::vmm
