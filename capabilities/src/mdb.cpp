#include "septum/caps/mdb.hpp"

namespace septum::caps::mdb {

namespace {

// Make whatever precedes `node` (its parent or previous sibling) lead to
// `target` instead; a null target tells the parent it has no first child.
void set_successor_of_prev(const Slot& node, Slot* target, bool target_is_parent) {
    if (node.mdb.prev_is_parent) {
        node.mdb.prev->mdb.first_child = target_is_parent ? nullptr : target;
    } else {
        node.mdb.prev->mdb.next = target;
        node.mdb.prev->mdb.next_is_parent = target_is_parent;
    }
}

// Make whatever follows `node` (its parent or next sibling) look back at
// `target` instead.
void set_predecessor_of_next(const Slot& node, Slot* target, bool target_is_parent) {
    if (node.mdb.next_is_parent) {
        node.mdb.next->mdb.last_child = target_is_parent ? nullptr : target;
    } else {
        node.mdb.next->mdb.prev = target;
        node.mdb.next->mdb.prev_is_parent = target_is_parent;
    }
}

}  // namespace

Slot* parent(const Slot& node) {
    const Slot* cursor = &node;
    while (!cursor->mdb.next_is_parent) {
        cursor = cursor->mdb.next;
    }
    return cursor->mdb.next;
}

void append_child(Slot& parent, Slot& child) {
    child.mdb = MdbLinks{};
    child.mdb.next = &parent;
    child.mdb.next_is_parent = true;
    if (parent.mdb.last_child == nullptr) {
        child.mdb.prev = &parent;
        child.mdb.prev_is_parent = true;
        parent.mdb.first_child = &child;
    } else {
        Slot* last = parent.mdb.last_child;
        child.mdb.prev = last;
        last->mdb.next = &child;
        last->mdb.next_is_parent = false;
    }
    parent.mdb.last_child = &child;
}

void unlink(Slot& node) {
    Slot* first = node.mdb.first_child;
    Slot* last = node.mdb.last_child;
    if (first == nullptr) {
        set_successor_of_prev(node, node.mdb.next, node.mdb.next_is_parent);
        set_predecessor_of_next(node, node.mdb.prev, node.mdb.prev_is_parent);
    } else {
        // The children take node's place, in order.
        set_successor_of_prev(node, first, false);
        set_predecessor_of_next(node, last, false);
        first->mdb.prev = node.mdb.prev;
        first->mdb.prev_is_parent = node.mdb.prev_is_parent;
        last->mdb.next = node.mdb.next;
        last->mdb.next_is_parent = node.mdb.next_is_parent;
    }
    node.mdb = MdbLinks{};
}

void relocate(Slot& from, Slot& to) {
    to.mdb = from.mdb;
    set_successor_of_prev(from, &to, false);
    set_predecessor_of_next(from, &to, false);
    // Of the children, only the two ends hold a link to their parent.
    if (Slot* first = to.mdb.first_child; first != nullptr) {
        first->mdb.prev = &to;
        to.mdb.last_child->mdb.next = &to;
    }
    from.mdb = MdbLinks{};
}

bool is_final(const Slot& node) {
    if (!is_derivable(node.cap.kind)) {
        return true;  // never copied, so always the only one
    }
    if (has_children(node)) {
        return false;  // derivations name the same object
    }
    return !same_object(node.mdb.prev->cap, node.cap) && !same_object(node.mdb.next->cap, node.cap);
}

}  // namespace septum::caps::mdb
