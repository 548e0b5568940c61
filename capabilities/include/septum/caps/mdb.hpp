// The derivation tree: every capability is a node; a derived capability is a
// child of the one it was derived from, a retyped object's first capability a
// child of the Untyped it came from, and each initial capability a child of
// the Authority's root node.
#pragma once

#include "septum/caps/slot.hpp"

namespace septum::caps::mdb {

[[nodiscard]] inline bool has_children(const Slot& node) { return node.mdb.first_child != nullptr; }

// The next sibling, or nullptr at the end of the parent's list.
[[nodiscard]] inline Slot* next_sibling(const Slot& node) { return node.mdb.next_is_parent ? nullptr : node.mdb.next; }

// The parent, found by walking to the end of the sibling list: O(siblings).
// Only checkers and the revoke cursor need it.
Slot* parent(const Slot& node);

// Appends `child` (unlinked) as the last child of `parent`.
void append_child(Slot& parent, Slot& child);

// Removes `node`; its children take its place among its siblings, in order,
// so they keep a (grand)parent with at least their rights. O(1).
void unlink(Slot& node);

// `to` takes over `from`'s place in the tree; `from` ends unlinked. O(1).
void relocate(Slot& from, Slot& to);

// True when `node` is the only capability left to its object. All
// capabilities to one object form a run of adjacent subtrees (derivation adds
// children, deletion splices in place, retype appends a new object), so it is
// enough to look at the node's children and its two neighbours. O(1).
bool is_final(const Slot& node);

}  // namespace septum::caps::mdb
