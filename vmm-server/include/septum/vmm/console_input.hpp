// Console input on the VMM's side: bytes the root task put in the cell's
// input ring (abi::InputRing) go to the guest's UART receiver as far as it
// has room; the rest stay in the ring until the guest has read some. The
// VMM calls feed() after every exit and before every run: a byte never
// waits longer than the guest's next exit, and the root task's signal on
// the Notification bound to the VMM's thread makes one when the guest
// runs on without exits (or is halted).
//
// The ring is the root task's, which the VMM trusts; still, a count that
// goes back or runs more than a ring ahead is taken as nothing to read, so
// the VMM never reads outside the ring.
#pragma once

#include <cstddef>
#include <cstdint>

#include "septum/abi/cell.hpp"
#include "uart16550.hpp"

namespace septum::vmm {

class ConsoleInput {
public:
    explicit ConsoleInput(abi::InputRing& ring) : ring_(ring), read_(ring.read) {}

    // Moves what fits from the ring to the UART's receiver; returns how
    // many bytes it moved (the caller tells the root task there is room
    // when it is not 0).
    std::size_t feed(Uart16550& uart);
    // Bytes in the ring not yet moved.
    [[nodiscard]] std::uint64_t waiting() const;

private:
    abi::InputRing& ring_;
    std::uint64_t read_;  // the VMM's own count; the ring's `read` is a copy for the root task
};

}  // namespace septum::vmm
