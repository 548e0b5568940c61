#include "invariants.hpp"

#include <set>
#include <sstream>
#include <unordered_set>

#include "septum/caps/mdb.hpp"

namespace septum::caps::proofs {

namespace {

void report(Violations& out, Property property, const std::string& message) {
    out.push_back(Violation{property, message});
}

// The tree's links are consistent: each child list runs first..last with
// matching back links, and no node is reached twice.
void check_tree_shape(const System& system, Violations& out) {
    const Slot& boot = system.authority().tree_root();
    if (!boot.empty() || boot.mdb.prev != nullptr || boot.mdb.next != nullptr) {
        report(out, Property::p1_authority_confinement, "boot node holds a capability or has neighbours");
    }
    std::unordered_set<const Slot*> seen{&boot};
    std::vector<const Slot*> stack{&boot};
    while (!stack.empty()) {
        const Slot* node = stack.back();
        stack.pop_back();
        const Slot* previous = nullptr;
        for (const Slot* child = node->mdb.first_child; child != nullptr; child = mdb::next_sibling(*child)) {
            const bool back_ok = previous == nullptr ? (child->mdb.prev_is_parent && child->mdb.prev == node)
                                                     : (!child->mdb.prev_is_parent && child->mdb.prev == previous);
            if (!back_ok) {
                report(out, Property::p1_authority_confinement,
                       "broken back link at " + describe(system.key_of(child)));
                return;
            }
            if (!seen.insert(child).second) {
                report(out, Property::p1_authority_confinement,
                       "tree reaches " + describe(system.key_of(child)) + " twice");
                return;
            }
            if (child->empty() || system.key_of(child) == no_slot) {
                report(out, Property::p1_authority_confinement, "tree holds an empty or foreign slot");
                return;
            }
            stack.push_back(child);
            previous = child;
        }
        const bool end_ok = previous == nullptr ? node->mdb.last_child == nullptr
                                                : (node->mdb.last_child == previous && previous->mdb.next == node);
        if (!end_ok) {
            report(out, Property::p1_authority_confinement,
                   "broken last-child link under " + describe(system.key_of(node)));
            return;
        }
    }
}

// The nearest Untyped above `key` in the derivation tree, if any.
const AbstractCap* untyped_ancestor(const AbstractState& state, SlotKey key) {
    SlotKey at = state.held.at(key).parent;
    for (std::size_t guard = 0; guard <= state.held.size(); ++guard) {
        auto it = state.held.find(at);
        if (it == state.held.end()) {
            return nullptr;  // boot node, or an orphan (P1 reports it)
        }
        if (it->second.cap.kind == ObjectKind::untyped) {
            return &it->second;
        }
        at = it->second.parent;
    }
    return nullptr;
}

bool on_reap_queue(const System& system, PhysAddr cnode) {
    std::size_t steps = 0;
    for (const Slot* dying = system.authority().dying(); dying != nullptr && ++steps < (1U << 20);
         dying = dying->reap.next_dying) {
        if (dying->reap.object == cnode) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string describe(Property property) {
    switch (property) {
        case Property::p1_authority_confinement:
            return "P1 authority confinement";
        case Property::p2_revoke_completeness:
            return "P2 revoke completeness";
        case Property::p3_memory_disjointness:
            return "P3 memory disjointness";
        case Property::p4_lookup_soundness:
            return "P4 lookup soundness";
        case Property::p5_type_safety:
            return "P5 type safety";
        case Property::errors_change_nothing:
            return "errors change nothing";
        case Property::model_agreement:
            return "model agreement";
    }
    return "?";
}

std::string describe(const Violations& violations) {
    std::string text;
    for (const auto& violation : violations) {
        text += describe(violation.property) + ": " + violation.message + "\n";
    }
    return text;
}

std::vector<Address> lookup_probes(unsigned max_depth) {
    std::vector<Address> probes;
    for (std::uint64_t depth = 1; depth <= max_depth; ++depth) {
        for (std::uint64_t cptr = 0; cptr < (std::uint64_t{1} << depth); ++cptr) {
            probes.push_back(Address{cptr, depth});
        }
    }
    probes.push_back(Address{0, 0});
    probes.push_back(Address{0, 65});
    probes.push_back(Address{1, 64});
    probes.push_back(Address{~std::uint64_t{0}, 64});
    probes.push_back(Address{std::uint64_t{1} << 63, 64});
    probes.push_back(Address{4, 2});
    return probes;
}

// P1: every capability is in the derivation tree that grows from the boot
// node, and no capability has a right its parent lacks.
void check_p1(const System& system, const AbstractState& state, Violations& out) {
    check_tree_shape(system, out);
    for (const auto& [key, held] : state.held) {
        if (held.parent == orphan_key) {
            report(out, Property::p1_authority_confinement, describe(key) + " is not in the derivation tree");
            continue;
        }
        if (!is_subset(held.cap.rights, meaningful_rights(held.cap.kind))) {
            report(out, Property::p1_authority_confinement, describe(key) + " has rights its kind does not know");
        }
        if (held.parent == boot_node_key) {
            continue;
        }
        const auto parent = state.held.find(held.parent);
        if (parent == state.held.end()) {
            report(out, Property::p1_authority_confinement, describe(key) + "'s parent slot is empty");
            continue;
        }
        const Capability& above = parent->second.cap;
        if (above.kind != ObjectKind::untyped && !is_subset(held.cap.rights, above.rights)) {
            report(out, Property::p1_authority_confinement,
                   describe(key) + " (" + describe(held.cap) + ") has more rights than its parent " +
                       describe(held.parent) + " (" + describe(above) + ")");
        }
        if (is_badged_kind(above.kind) && above.badge != 0 && held.cap.badge != above.badge) {
            report(out, Property::p1_authority_confinement, describe(key) + " changed a set badge");
        }
    }
}

// P2 (state half): an object lives only while some capability reaches it,
// or while the reaper is emptying it; no capability outlives its object.
void check_p2(const System& system, const AbstractState& state, Violations& out) {
    std::set<testing::ObjectRecord> reached;
    for (const auto& [key, held] : state.held) {
        reached.insert(testing::record_of(held.cap));
    }
    for (const auto& record : state.live) {
        testing::ObjectRecord plain = record;
        bool found = false;
        for (const auto& r : reached) {
            if (r.object == plain.object && r.kind == plain.kind && r.size_bits == plain.size_bits) {
                found = true;
                break;
            }
        }
        if (!found && !(record.kind == ObjectKind::cnode && on_reap_queue(system, record.object))) {
            report(out, Property::p2_revoke_completeness,
                   std::string("object ") + kind_name(record.kind) + " survives without a capability");
        }
    }
    for (const auto& fault : system.machine().faults()) {
        report(out, Property::p2_revoke_completeness, "machine: " + fault);
    }
}

void check_revoke_postcondition(const AbstractState& after, SlotKey target, const Capability& revoked,
                                Violations& out) {
    auto it = after.held.find(target);
    if (it == after.held.end() || !same_object(it->second.cap, revoked)) {
        return;  // the target went too (its CNode was reaped): nothing of it is left to check
    }
    if (!after.children_of(target).empty()) {
        report(out, Property::p2_revoke_completeness, "after revoke, " + describe(target) + " still has descendants");
    }
}

// P3: live objects are aligned and disjoint except where an Untyped contains
// what was made from it; every object lies below the watermark of the
// nearest Untyped it descends from.
void check_p3(const System& system, const AbstractState& state, Violations& out) {
    (void)system;
    std::vector<testing::ObjectRecord> memory;
    for (const auto& record : state.live) {
        if (is_memory_kind(record.kind)) {
            memory.push_back(record);
        }
    }
    for (const auto& record : memory) {
        if ((record.object & ((std::uint64_t{1} << record.size_bits) - 1)) != 0) {
            report(out, Property::p3_memory_disjointness, std::string(kind_name(record.kind)) + " misaligned");
        }
    }
    for (std::size_t i = 0; i < memory.size(); ++i) {
        for (std::size_t j = i + 1; j < memory.size(); ++j) {
            const auto& a = memory[i];
            const auto& b = memory[j];
            const std::uint64_t a_end = a.object + (std::uint64_t{1} << a.size_bits);
            const std::uint64_t b_end = b.object + (std::uint64_t{1} << b.size_bits);
            if (a_end <= b.object || b_end <= a.object) {
                continue;
            }
            const bool a_holds_b = a.kind == ObjectKind::untyped && a.object <= b.object && b_end <= a_end;
            const bool b_holds_a = b.kind == ObjectKind::untyped && b.object <= a.object && a_end <= b_end;
            if (!a_holds_b && !b_holds_a) {
                std::ostringstream text;
                text << kind_name(a.kind) << "@0x" << std::hex << a.object << " overlaps " << kind_name(b.kind) << "@0x"
                     << b.object;
                report(out, Property::p3_memory_disjointness, text.str());
            }
        }
    }
    for (const auto& [key, held] : state.held) {
        if (held.cap.kind == ObjectKind::untyped && held.cap.watermark > held.cap.size()) {
            report(out, Property::p3_memory_disjointness, describe(key) + " watermark beyond its end");
        }
        if (held.parent == orphan_key || held.parent == boot_node_key) {
            continue;
        }
        const AbstractCap* untyped = untyped_ancestor(state, key);
        if (untyped == nullptr || !is_memory_kind(held.cap.kind)) {
            continue;
        }
        const Capability& u = untyped->cap;
        if (held.cap.object < u.object || held.cap.end() > u.object + u.watermark) {
            report(out, Property::p3_memory_disjointness,
                   describe(key) + " (" + describe(held.cap) + ") lies outside the used part of " + describe(u));
        }
    }
}

// P4: the real lookup agrees with the reference reading on every probe.
void check_p4(const System& system, const AbstractState& state, const std::vector<Address>& probes, Violations& out) {
    for (const Address& address : probes) {
        const LookupOutcome real = real_lookup(system, address);
        const LookupOutcome expected = reference_lookup(state, address);
        if (!(real == expected)) {
            report(out, Property::p4_lookup_soundness,
                   "lookup(" + std::to_string(address.raw_cptr) + ", depth " + std::to_string(address.raw_depth) +
                       ") gave " + describe(real.status) + " " + describe(real.slot) + ", expected " +
                       describe(expected.status) + " " + describe(expected.slot));
            return;
        }
    }
}

// P5: every capability names a live object of its own kind and size, and
// only retype (from an Untyped) makes a capability to a different object.
void check_p5(const System& system, const AbstractState& state, Violations& out) {
    for (const auto& [key, held] : state.held) {
        const Capability& cap = held.cap;
        if (!system.machine().is_live(testing::record_of(cap))) {
            report(out, Property::p5_type_safety, describe(key) + " names no live " + kind_name(cap.kind));
        }
        if (cap.kind == ObjectKind::cnode &&
            (cap.radix() < min_cnode_radix || cap.radix() > max_cnode_radix || cap.guard_bits + cap.radix() > 64 ||
             (cap.guard_bits < 64 && (cap.guard >> cap.guard_bits) != 0))) {
            report(out, Property::p5_type_safety, describe(key) + " is a malformed CNode capability");
        }
        if (held.parent == orphan_key || held.parent == boot_node_key) {
            continue;
        }
        const auto parent = state.held.find(held.parent);
        if (parent == state.held.end()) {
            continue;  // P1 reports it
        }
        const Capability& above = parent->second.cap;
        if (above.kind == ObjectKind::untyped) {
            if (!is_memory_kind(cap.kind)) {
                report(out, Property::p5_type_safety, describe(key) + " retyped into a kind without memory");
            }
        } else if (!same_object(above, cap)) {
            report(out, Property::p5_type_safety,
                   describe(key) + " (" + describe(cap) + ") derives from a " + kind_name(above.kind) +
                       " capability to another object (" + describe(above) + ")");
        } else if (!is_derivable(above.kind)) {
            report(out, Property::p5_type_safety, describe(key) + " was derived from a non-derivable kind");
        }
    }
}

Violations check_invariants(const System& system, unsigned property_mask, const std::vector<Address>& probes) {
    Violations out;
    const AbstractState state = abstract(system);
    if ((property_mask & mask_of(Property::p1_authority_confinement)) != 0) {
        check_p1(system, state, out);
    }
    if ((property_mask & mask_of(Property::p2_revoke_completeness)) != 0) {
        check_p2(system, state, out);
    }
    if ((property_mask & mask_of(Property::p3_memory_disjointness)) != 0) {
        check_p3(system, state, out);
    }
    if ((property_mask & mask_of(Property::p4_lookup_soundness)) != 0) {
        check_p4(system, state, probes, out);
    }
    if ((property_mask & mask_of(Property::p5_type_safety)) != 0) {
        check_p5(system, state, out);
    }
    return out;
}

}  // namespace septum::caps::proofs
