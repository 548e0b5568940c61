// The specification's capabilities, invocations and memory: a derivation
// tree of who holds what, keyed by where each capability is, and page-table
// entries as a map from (address space, page) to (frame, writable).
#include <algorithm>

#include "septum/abi/invocation.hpp"
#include "spec.hpp"

namespace septum::kernel::proofs {

namespace {

using caps::ObjectKind;
using Label = abi::Invocation;

std::uint64_t take_bits(std::uint64_t cptr, std::uint64_t remaining, std::uint64_t count) {
    if (count == 0) {
        return 0;
    }
    const std::uint64_t mask = count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
    return (cptr >> (remaining - count)) & mask;
}

std::uint8_t radix(const Spec::Cap& c) { return static_cast<std::uint8_t>(c.size_bits - caps::slot_bits); }

bool same_object(const Spec::Cap& a, const Spec::Cap& b) {
    return a.kind == b.kind && a.object == b.object && a.size_bits == b.size_bits;
}

bool op_is(std::uint64_t op, Label l) { return op == static_cast<std::uint64_t>(l); }

}  // namespace

// An address resolves through CNodes, guard then radix bits at each level.
Spec::Lookup Spec::lookup_slot(const Cap& root, std::uint64_t cptr, std::uint64_t depth) const {
    if (depth == 0 || depth > 64 || (depth < 64 && (cptr >> depth) != 0)) {
        return {Status::out_of_range, {}};
    }
    if (root.kind != ObjectKind::cnode) {
        return {Status::wrong_kind, {}};
    }
    const Cap* node = &root;
    std::uint64_t remaining = depth;
    for (;;) {
        if (std::uint64_t{node->guard_bits} + radix(*node) > remaining) {
            return {Status::depth_mismatch, {}};
        }
        if (take_bits(cptr, remaining, node->guard_bits) != node->guard) {
            return {Status::guard_mismatch, {}};
        }
        remaining -= node->guard_bits;
        const CapLocation where{node->object, take_bits(cptr, remaining, radix(*node))};
        remaining -= radix(*node);
        if (remaining == 0) {
            return {Status::ok, where};
        }
        auto it = caps_.find(where);
        if (it == caps_.end()) {
            return {Status::empty_slot, {}};
        }
        if (it->second.kind != ObjectKind::cnode) {
            return {Status::depth_mismatch, {}};
        }
        node = &it->second;
    }
}

Spec::Lookup Spec::lookup_cap(const Cap& root, std::uint64_t cptr, std::uint64_t depth) const {
    Lookup l = lookup_slot(root, cptr, depth);
    if (l.status == Status::ok && !has_cap(l.where)) {
        l.status = Status::empty_slot;
    }
    return l;
}

Spec::Lookup Spec::lookup_in_cspace(int t, std::uint64_t cptr) const {
    auto it = caps_.find({threads_[t].tcb, 0});
    if (it == caps_.end()) {
        return {Status::wrong_kind, {}};
    }
    return lookup_cap(it->second, cptr, 64);
}

void Spec::install(CapLocation parent, CapLocation dest, Cap cap) {
    cap.mapped_root = cap.mapped_address = 0;  // a new capability has mapped nothing
    cap.parent = parent;
    cap.children.clear();
    caps_[dest] = cap;
    caps_[parent].children.push_back(dest);
}

// The last capability to an object destroys it; a deleted capability's
// children take its place under its parent; its mapping goes with it.
void Spec::delete_cap(CapLocation where) {
    Cap cap = caps_.at(where);
    bool final = true;
    if (caps::is_derivable(cap.kind)) {
        for (const auto& [other_where, other] : caps_) {
            final = final && (other_where == where || !same_object(other, cap));
        }
    }
    std::vector<CapLocation>& siblings = caps_.at(cap.parent).children;
    auto it = std::find(siblings.begin(), siblings.end(), where);
    it = siblings.erase(it);
    siblings.insert(it, cap.children.begin(), cap.children.end());
    for (const CapLocation& child : cap.children) {
        caps_.at(child).parent = cap.parent;
    }
    caps_.erase(where);
    unmap(cap);
    if (final) {
        destroy(cap);
    }
}

// Deletes every descendant, deepest first along the first children.
void Spec::revoke_below(CapLocation where) {
    while (!caps_.at(where).children.empty()) {
        CapLocation leaf = where;
        while (!caps_.at(leaf).children.empty()) {
            leaf = caps_.at(leaf).children.front();
        }
        delete_cap(leaf);
    }
}

void Spec::destroy(const Cap& cap) {
    switch (cap.kind) {
        case ObjectKind::endpoint: {
            std::deque<int>& q = endpoints_[cap.object];
            while (!q.empty()) {
                const int t = q.front();
                q.pop_front();
                threads_[t].regs[0] = static_cast<std::uint64_t>(Status::empty_slot);
                make_ready(t);
            }
            break;
        }
        case ObjectKind::notification: {
            std::deque<int>& q = notifications_[cap.object].waiters;
            while (!q.empty()) {
                const int t = q.front();
                q.pop_front();
                threads_[t].regs[0] = static_cast<std::uint64_t>(Status::empty_slot);
                make_ready(t);
            }
            break;
        }
        case ObjectKind::frame_4k:
        case ObjectKind::untyped:
            break;  // memory stays as it is; nothing refers to it
        default:
            unmodelled_ = std::string("destroying a ") + caps::kind_name(cap.kind);
            break;
    }
}

void Spec::unmap(Cap& cap) {
    if (cap.mapped_root != 0) {
        auto it = ptes_.find({cap.mapped_root, cap.mapped_address});
        if (it != ptes_.end() && it->second.first == cap.object) {
            ptes_.erase(it);
        }
    }
    cap.mapped_root = cap.mapped_address = 0;
}

std::uint64_t Spec::arg(int t, unsigned i) const { return const_cast<Spec*>(this)->message_word(t, i); }

Status Spec::invoke(int t, CapLocation target, const abi::MessageInfo& info) {
    const Cap cap = caps_.at(target);
    const unsigned argc = info.length;
    switch (cap.kind) {
        case ObjectKind::untyped:
            return op_is(info.label, Label::untyped_retype) ? invoke_untyped(t, target, argc)
                                                            : Status::invalid_argument;
        case ObjectKind::cnode:
            return invoke_cnode(t, cap, info.label, argc);
        case ObjectKind::frame_4k:
            return invoke_frame(t, target, info.label, argc);
        case ObjectKind::pdpt:
        case ObjectKind::page_directory:
        case ObjectKind::page_table:
            if (!op_is(info.label, Label::page_table_map) || argc < 2) {
                return Status::invalid_argument;
            }
            break;
        case ObjectKind::pml4:
            return Status::wrong_kind;
        default:
            break;
    }
    unmodelled_ = std::string("invoking a ") + caps::kind_name(cap.kind);
    return Status::invalid_argument;
}

Status Spec::invoke_cnode(int t, const Cap& root, std::uint64_t op, unsigned argc) {
    const bool copy = op_is(op, Label::cnode_copy), mint = op_is(op, Label::cnode_mint);
    if (copy || mint) {
        if (argc < (copy ? 4u : 6u)) {
            return Status::invalid_argument;
        }
        const Lookup src = lookup_cap(root, arg(t, 0), arg(t, 1));
        if (src.status != Status::ok) {
            return src.status;
        }
        const Lookup dest = lookup_slot(root, arg(t, 2), arg(t, 3));
        if (dest.status != Status::ok) {
            return dest.status;
        }
        if (has_cap(dest.where)) {
            return Status::slot_occupied;
        }
        Cap derived = caps_.at(src.where);
        if (!caps::is_derivable(derived.kind)) {
            return Status::not_derivable;
        }
        if (mint) {
            const std::uint64_t rights = arg(t, 4), data = arg(t, 5);
            if ((rights & ~std::uint64_t{0x1f}) != 0) {
                return Status::invalid_argument;
            }
            derived.rights = static_cast<std::uint8_t>(derived.rights & rights);
            if (caps::is_badged_kind(derived.kind)) {
                if (data != 0 && derived.badge != 0) {
                    return Status::badge_already_set;
                }
                derived.badge = data != 0 ? data : derived.badge;
            } else if (derived.kind == ObjectKind::cnode) {
                const std::uint64_t bits = data & 0x3f, guard = data >> 6;
                if (bits + radix(derived) > 64 || (bits < 58 && (guard >> bits) != 0)) {
                    return Status::invalid_argument;
                }
                derived.guard = guard;
                derived.guard_bits = static_cast<std::uint8_t>(bits);
            } else if (data != 0) {
                return Status::invalid_argument;
            }
        }
        install(src.where, dest.where, derived);
        return Status::ok;
    }
    if (op_is(op, Label::cnode_delete) || op_is(op, Label::cnode_revoke)) {
        if (argc < 2) {
            return Status::invalid_argument;
        }
        const Lookup target = lookup_cap(root, arg(t, 0), arg(t, 1));
        if (target.status != Status::ok) {
            return target.status;
        }
        if (op_is(op, Label::cnode_delete)) {
            delete_cap(target.where);
        } else {
            revoke_below(target.where);
        }
        return Status::ok;
    }
    if (op_is(op, Label::cnode_move) || op_is(op, Label::cnode_mutate)) {
        unmodelled_ = "cnode move and mutate";
    }
    return Status::invalid_argument;
}

// Objects are placed in order, naturally aligned, from the watermark; the
// watermark starts again at zero when nothing made from the Untyped lives.
Status Spec::invoke_untyped(int t, CapLocation untyped, unsigned argc) {
    if (argc < 5) {
        return Status::invalid_argument;
    }
    const Lookup cnode = lookup_in_cspace(t, arg(t, 2));
    if (cnode.status != Status::ok) {
        return cnode.status;
    }
    const ObjectKind kind = caps::kind_from_raw(arg(t, 0));
    if (!caps::is_memory_kind(kind)) {
        return Status::invalid_argument;
    }
    Cap& u = caps_.at(untyped);
    const std::uint8_t bits = caps::retype_size_bits(kind, arg(t, 1));
    if (bits == 0 || (kind == ObjectKind::untyped && bits >= u.size_bits)) {
        return Status::invalid_argument;
    }
    const Cap& dest = caps_.at(cnode.where);
    if (dest.kind != ObjectKind::cnode) {
        return Status::wrong_kind;
    }
    const std::uint64_t slots = std::uint64_t{1} << radix(dest), offset = arg(t, 3), count = arg(t, 4);
    if (count == 0 || offset >= slots || count > slots - offset) {
        return Status::out_of_range;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        if (has_cap({dest.object, offset + i})) {
            return Status::slot_occupied;
        }
    }
    const std::uint64_t size = std::uint64_t{1} << u.size_bits, align = std::uint64_t{1} << bits;
    if (bits > u.size_bits || count > (size >> bits)) {
        return Status::not_enough_memory;
    }
    const std::uint64_t watermark = u.children.empty() ? 0 : u.watermark;
    const std::uint64_t first = (watermark + align - 1) & ~(align - 1);
    if (first > size || (count << bits) > size - first) {
        return Status::not_enough_memory;
    }
    u.watermark = first + (count << bits);
    const std::uint64_t base = u.object, cnode_object = dest.object;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t object = base + first + (i << bits);
        if (kind == ObjectKind::frame_4k) {
            memory_[object] = Words{};
            buffers_[object] = Buffer{};
        } else if (kind == ObjectKind::endpoint) {
            endpoints_[object].clear();
        } else if (kind == ObjectKind::notification) {
            notifications_[object] = Notification{};
        } else {
            unmodelled_ = std::string("retyping a ") + caps::kind_name(kind);
        }
        Cap c;
        c.kind = kind;
        c.object = object;
        c.size_bits = bits;
        c.rights = static_cast<std::uint8_t>(caps::meaningful_rights(kind));
        install(untyped, {cnode_object, offset + i}, c);
    }
    return Status::ok;
}

Status Spec::invoke_frame(int t, CapLocation frame, std::uint64_t op, unsigned argc) {
    if (op_is(op, Label::frame_unmap)) {
        unmap(caps_.at(frame));
        return Status::ok;
    }
    if (!op_is(op, Label::frame_map)) {
        return Status::invalid_argument;
    }
    if (argc < 3) {
        return Status::invalid_argument;
    }
    const Lookup space = lookup_in_cspace(t, arg(t, 0));
    if (space.status != Status::ok) {
        return space.status;
    }
    if (caps_.at(space.where).kind != ObjectKind::pml4) {
        return Status::wrong_kind;
    }
    const std::uint64_t rights = arg(t, 2), vaddr = arg(t, 1);
    if ((rights & ~std::uint64_t{0x1f}) != 0) {
        return Status::invalid_argument;
    }
    Cap& f = caps_.at(frame);
    const std::uint64_t wanted = rights | right::read;
    if ((wanted & f.rights) != wanted) {
        return Status::insufficient_rights;
    }
    if (f.mapped_root != 0) {
        return Status::slot_occupied;
    }
    if (vaddr >= (std::uint64_t{1} << 47) || (vaddr & 0xfff) != 0 || vaddr < 0x1000) {
        return Status::invalid_argument;
    }
    if (vaddr >= (std::uint64_t{1} << 21)) {
        return Status::depth_mismatch;  // every cell has page tables for [0, 2 MiB) only
    }
    const std::uint64_t root = caps_.at(space.where).object;
    if (ptes_.count({root, vaddr}) != 0) {
        return Status::slot_occupied;
    }
    ptes_[{root, vaddr}] = {f.object, (wanted & right::write) != 0};
    f.mapped_root = root;
    f.mapped_address = vaddr;
    return Status::ok;
}

// A user load or store: through a mapping, or a page fault, which without
// a fault handler stops the thread.
std::uint64_t Spec::memory_access(int t, const Action& a) {
    auto vs = caps_.find({threads_[t].tcb, 1});
    const std::uint64_t vaddr = a.address + observed_offset + 8 * a.word;
    const bool store = a.kind == Action::Kind::store;
    if (vs != caps_.end() && vs->second.kind == ObjectKind::pml4) {
        auto pte = ptes_.find({vs->second.object, vaddr & ~std::uint64_t{0xfff}});
        if (pte != ptes_.end() && (!store || pte->second.second)) {
            std::uint64_t& w = memory_[pte->second.first][a.word];
            if (store) {
                w = a.value;
                return 0;
            }
            return w;
        }
    }
    suspend(t);
    schedule();
    return load_fault;
}

}  // namespace septum::kernel::proofs
