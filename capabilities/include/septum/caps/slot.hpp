// A capability slot: the capability, its place in the derivation tree, and
// room for the reaper's bookkeeping.
//
// The derivation tree (seL4's MDB) is stored in the slots themselves, so it
// needs no memory of its own. Each node knows its first and last child and
// its two neighbours; a first child's `prev` and a last child's `next` point
// at the parent instead (flagged), so unlinking a node and splicing its
// children into its place are O(1) without a parent pointer in every child.
#pragma once

#include <cstddef>
#include <cstdint>

#include "septum/caps/capability.hpp"

namespace septum::caps {

struct Slot;

constexpr std::size_t slot_bytes = std::size_t{1} << slot_bits;

struct MdbLinks {
    Slot* first_child = nullptr;
    Slot* last_child = nullptr;
    Slot* prev = nullptr;  // previous sibling, or the parent if prev_is_parent
    Slot* next = nullptr;  // next sibling, or the parent if next_is_parent
    bool prev_is_parent = false;
    bool next_is_parent = false;
};

// Used only in slot 0 of a CNode whose last capability was deleted: the
// CNode sits on the reaper's list until its slots have been emptied. The
// record lives in the dying CNode itself so the reaper needs no memory.
struct ReapRecord {
    Slot* next_dying = nullptr;
    PhysAddr object = 0;
    std::uint32_t next_index = 0;
    std::uint8_t size_bits = 0;
};

// Exactly 2^slot_bits bytes, so a CNode of radix r is 2^(r + slot_bits) bytes
// and slot i sits at byte i << slot_bits.
struct alignas(slot_bytes) Slot {
    Capability cap;
    MdbLinks mdb;
    ReapRecord reap;

    [[nodiscard]] bool empty() const { return cap.empty(); }
};

static_assert(sizeof(Slot) == slot_bytes, "a slot is exactly 2^slot_bits bytes");

}  // namespace septum::caps
