// Access rights carried by a capability.
//
// Rights only ever shrink along a derivation. Each kind gives meaning to a
// subset (meaningful_rights in object_kind.hpp); the others are dropped when a
// capability is made, so two capabilities that grant the same thing compare
// equal.
#pragma once

#include <cstdint>

namespace septum::caps {

enum class Rights : std::uint8_t {
    none = 0,
    read = 1U << 0,         // Endpoint: receive; Notification: wait; Frame: map readable
    write = 1U << 1,        // Endpoint: send; Notification: signal; Frame: map writable
    grant = 1U << 2,        // Endpoint/Reply: transfer capabilities with a message
    grant_reply = 1U << 3,  // Endpoint: give the receiver a reply capability
    execute = 1U << 4,      // Frame: map executable (EPT X, page-table NX clear)
    all = 0x1F,
};

constexpr Rights operator&(Rights a, Rights b) {
    return static_cast<Rights>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
constexpr Rights operator|(Rights a, Rights b) {
    return static_cast<Rights>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}

// True when every right in `inner` is also in `outer`.
constexpr bool is_subset(Rights inner, Rights outer) { return (inner & outer) == inner; }

// Raw rights from user space: only the defined bits are acceptable.
constexpr bool valid_raw_rights(std::uint64_t raw_rights) {
    return (raw_rights & ~static_cast<std::uint64_t>(Rights::all)) == 0;
}

}  // namespace septum::caps
