#include "abstract.hpp"

#include <cstring>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "septum/caps/mdb.hpp"

namespace septum::caps::proofs {

namespace {

// Bound on tree walks, so a corrupt (cyclic) tree is reported, not looped on.
constexpr std::size_t max_nodes = 1U << 22;

// Every slot of the system: the CSpace root and each slot of each live CNode
// (a CNode waiting for the reaper is still live).
template <class F>
void for_each_slot(const System& system, F&& visit) {
    visit(cspace_root_key, system.cspace_root());
    auto& machine = const_cast<testing::HostMachine&>(system.machine());
    for (const auto& [record, count] : machine.live()) {
        if (record.kind != ObjectKind::cnode) {
            continue;
        }
        const Slot* slots = machine.cnode_slots(record.object);
        const std::uint64_t n = std::uint64_t{1} << (record.size_bits - slot_bits);
        for (std::uint64_t i = 0; i < n; ++i) {
            visit(SlotKey{record.object, i}, slots[i]);
        }
    }
}

// Parent of every node the tree reaches, by a walk from the boot node.
std::unordered_map<const Slot*, const Slot*> tree_parents(const System& system) {
    std::unordered_map<const Slot*, const Slot*> parents;
    std::vector<const Slot*> stack{&system.authority().tree_root()};
    while (!stack.empty() && parents.size() < max_nodes) {
        const Slot* node = stack.back();
        stack.pop_back();
        for (const Slot* child = node->mdb.first_child; child != nullptr && parents.size() < max_nodes;
             child = mdb::next_sibling(*child)) {
            if (!parents.emplace(child, node).second) {
                break;  // reached twice: a cycle; the checker reports the shape
            }
            stack.push_back(child);
        }
    }
    return parents;
}

std::vector<bool> address_bits(Address address) {
    std::vector<bool> bits;
    for (std::uint64_t i = address.raw_depth; i-- > 0;) {
        bits.push_back(((address.raw_cptr >> i) & 1U) != 0);
    }
    return bits;
}

std::uint64_t read_bits(const std::vector<bool>& bits, std::size_t from, std::size_t count) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        value = (value << 1) | (bits[from + i] ? 1U : 0U);
    }
    return value;
}

}  // namespace

bool same_fields(const Capability& a, const Capability& b) {
    return a.kind == b.kind && a.object == b.object && a.badge == b.badge && a.guard == b.guard &&
           a.watermark == b.watermark && a.rights == b.rights && a.size_bits == b.size_bits &&
           a.guard_bits == b.guard_bits && a.last_port == b.last_port;
}

bool AbstractCap::operator==(const AbstractCap& other) const {
    return same_fields(cap, other.cap) && parent == other.parent;
}

std::vector<SlotKey> AbstractState::children_of(SlotKey key) const {
    std::vector<SlotKey> children;
    for (const auto& [slot, held_cap] : held) {
        if (held_cap.parent == key) {
            children.push_back(slot);
        }
    }
    return children;
}

std::set<SlotKey> AbstractState::descendants_of(SlotKey key) const {
    std::set<SlotKey> found;
    std::vector<SlotKey> work{key};
    while (!work.empty()) {
        const SlotKey next = work.back();
        work.pop_back();
        for (SlotKey child : children_of(next)) {
            if (found.insert(child).second) {
                work.push_back(child);
            }
        }
    }
    return found;
}

AbstractState abstract(const System& system) {
    AbstractState state;
    const auto parents = tree_parents(system);
    const Slot* boot = &system.authority().tree_root();
    for_each_slot(system, [&](SlotKey key, const Slot& slot) {
        if (slot.empty()) {
            return;
        }
        SlotKey parent = orphan_key;
        if (auto it = parents.find(&slot); it != parents.end()) {
            parent = it->second == boot ? boot_node_key : system.key_of(it->second);
        }
        state.held.emplace(key, AbstractCap{slot.cap, parent});
    });
    for (const auto& [record, count] : system.machine().live()) {
        state.live.insert(record);
    }
    return state;
}

LookupOutcome reference_lookup(const AbstractState& state, Address address) {
    if (address.raw_depth == 0 || address.raw_depth > 64) {
        return {Status::out_of_range, {}};
    }
    if (address.raw_depth < 64 && (address.raw_cptr >> address.raw_depth) != 0) {
        return {Status::out_of_range, {}};
    }
    const std::vector<bool> bits = address_bits(address);
    auto root = state.held.find(cspace_root_key);
    if (root == state.held.end() || root->second.cap.kind != ObjectKind::cnode) {
        return {Status::wrong_kind, {}};
    }
    const Capability* cnode = &root->second.cap;
    std::size_t used = 0;
    for (;;) {
        const std::size_t guard_bits = cnode->guard_bits;
        const std::size_t radix = cnode->size_bits - slot_bits;
        if (used + guard_bits + radix > bits.size()) {
            return {Status::depth_mismatch, {}};
        }
        if (read_bits(bits, used, guard_bits) != cnode->guard) {
            return {Status::guard_mismatch, {}};
        }
        const SlotKey slot{cnode->object, read_bits(bits, used + guard_bits, radix)};
        used += guard_bits + radix;
        if (used == bits.size()) {
            return {Status::ok, slot};
        }
        auto next = state.held.find(slot);
        if (next == state.held.end()) {
            return {Status::empty_slot, {}};
        }
        if (next->second.cap.kind != ObjectKind::cnode) {
            return {Status::depth_mismatch, {}};
        }
        cnode = &next->second.cap;
    }
}

LookupOutcome real_lookup(const System& system, Address address) {
    auto& machine = const_cast<testing::HostMachine&>(system.machine());
    const Result<Slot*> result = lookup_slot(machine, system.cspace_root(), address);
    if (!result.ok()) {
        return {result.status(), {}};
    }
    return {Status::ok, system.key_of(result.value())};
}

std::string state_key(const System& system) {
    std::string key;
    auto put = [&key](const auto& value) { key.append(reinterpret_cast<const char*>(&value), sizeof(value)); };
    auto put_cap = [&](const Capability& cap) {
        put(cap.object), put(cap.badge), put(cap.guard), put(cap.watermark);
        put(cap.kind), put(cap.rights), put(cap.size_bits), put(cap.guard_bits), put(cap.last_port);
    };
    // The tree in order: a pre-order walk with explicit up-markers.
    std::vector<std::pair<const Slot*, bool>> stack{{&system.authority().tree_root(), false}};
    std::size_t visited = 0;
    while (!stack.empty() && ++visited < max_nodes) {
        auto [node, leaving] = stack.back();
        stack.pop_back();
        if (leaving) {
            key.push_back(')');
            continue;
        }
        const SlotKey at = system.key_of(node);
        put(at.container), put(at.index);
        put_cap(node->cap);
        key.push_back('(');
        stack.push_back({node, true});
        std::vector<const Slot*> children;
        for (const Slot* child = node->mdb.first_child; child != nullptr && children.size() < max_nodes;
             child = mdb::next_sibling(*child)) {
            children.push_back(child);
        }
        for (auto it = children.rbegin(); it != children.rend(); ++it) {
            stack.push_back({*it, false});
        }
    }
    key.push_back('|');
    // Capabilities the tree misses (there should be none) and the reaper.
    const AbstractState state = abstract(system);
    for (const auto& [slot, held] : state.held) {
        if (held.parent == orphan_key) {
            put(slot.container), put(slot.index);
            put_cap(held.cap);
        }
    }
    key.push_back('|');
    for (const Slot* dying = system.authority().dying(); dying != nullptr && ++visited < max_nodes;
         dying = dying->reap.next_dying) {
        put(dying->reap.object), put(dying->reap.next_index);
    }
    key.push_back('|');
    for (const auto& record : state.live) {
        put(record.object), put(record.kind), put(record.size_bits);
    }
    return key;
}

std::string describe(Status status) {
    static const char* const names[] = {
        "ok",
        "preempted",
        "invalid_argument",
        "out_of_range",
        "guard_mismatch",
        "depth_mismatch",
        "empty_slot",
        "slot_occupied",
        "wrong_kind",
        "insufficient_rights",
        "badge_already_set",
        "not_derivable",
        "has_children",
        "not_enough_memory",
    };
    const auto index = static_cast<std::size_t>(status);
    return index < std::size(names) ? names[index] : "status#" + std::to_string(index);
}

std::string describe(SlotKey key) {
    if (key == cspace_root_key) {
        return "root";
    }
    if (key == boot_node_key) {
        return "boot";
    }
    if (key == orphan_key) {
        return "ORPHAN";
    }
    std::ostringstream out;
    out << std::hex << "0x" << key.container << std::dec << "[" << key.index << "]";
    return out.str();
}

std::string describe(const Capability& cap) {
    std::ostringstream out;
    out << kind_name(cap.kind) << "@0x" << std::hex << cap.object << std::dec << "/" << int{cap.size_bits}
        << " r=" << int(static_cast<std::uint8_t>(cap.rights));
    if (cap.badge != 0) {
        out << " badge=" << cap.badge;
    }
    if (cap.guard_bits != 0) {
        out << " guard=" << cap.guard << "/" << int{cap.guard_bits};
    }
    if (cap.kind == ObjectKind::untyped) {
        out << " wm=" << cap.watermark;
    }
    return out.str();
}

std::string describe(const AbstractState& state) {
    std::ostringstream out;
    for (const auto& [slot, held] : state.held) {
        out << "  " << describe(slot) << ": " << describe(held.cap) << " <- " << describe(held.parent) << "\n";
    }
    out << "  live:";
    for (const auto& record : state.live) {
        out << " " << kind_name(record.kind) << "@0x" << std::hex << record.object << std::dec;
    }
    out << "\n";
    return out.str();
}

}  // namespace septum::caps::proofs
