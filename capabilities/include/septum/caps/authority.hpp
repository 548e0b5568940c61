// The authority state and every operation on it.
//
// Authority holds the root of the derivation tree and the reaper's list; the
// slots themselves live wherever the caller put them (CNode memory, TCBs,
// test arrays). Each operation first checks every argument and returns an
// error without changing anything; only then does it change state, and from
// that point it cannot fail. Copy, mint, move, mutate and retype also come
// as their two halves, check_X and apply_X (seL4's decode/invoke split): the
// kernel checks while it decodes an invocation and applies when it invokes.
//
// Two entry points per operation: slot-level (the kernel has resolved the
// addresses) and address-level (a CSpace root plus raw addresses, resolved
// here). Argument names starting raw_ are unchecked user input.
#pragma once

#include <cstdint>

#include "septum/caps/lookup.hpp"
#include "septum/caps/machine.hpp"
#include "septum/caps/slot.hpp"
#include "septum/caps/status.hpp"

namespace septum::caps {

// Work units a preemptible operation may spend before returning
// Status::preempted. One unit is one capability deleted or one CNode slot
// inspected by the reaper.
struct Budget {
    std::uint64_t units = 0;

    [[nodiscard]] bool spend() {
        if (units == 0) {
            return false;
        }
        --units;
        return true;
    }
};

// A checked copy, mint, move or mutate: all that apply_derivation needs.
struct Derivation {
    Slot* src = nullptr;   // holds a capability
    Slot* dest = nullptr;  // empty
    Capability cap{};      // what dest will hold
    // move, mutate: dest takes src's capability and place in the tree, and
    // src empties. copy, mint: dest becomes src's child.
    bool relocate = false;
};

// A checked retype: all that apply_retype needs.
struct RetypePlan {
    Slot* untyped = nullptr;
    Slot* dest = nullptr;  // the first of `count` empty slots
    ObjectKind kind = ObjectKind::null;
    std::uint8_t size_bits = 0;
    std::uint64_t count = 0;
    PhysAddr first = 0;           // base of the first object
    std::uint64_t watermark = 0;  // the Untyped's afterwards (reset or not)
};

class Authority {
public:
    explicit Authority(Machine& machine);
    Authority(const Authority&) = delete;
    Authority& operator=(const Authority&) = delete;

    // Boot only: place an initial capability (memory handed to the root task,
    // its CNode, port ranges, interrupt lines). The caller guarantees initial
    // objects are distinct and disjoint; the checkers verify it.
    Status create_initial(Slot& dest, const Capability& cap);

    // --- slot level -------------------------------------------------------
    Status copy(Slot& src, Slot& dest);
    // Rights become src.rights & raw_rights. raw_data: the badge for Endpoint
    // and Notification (0 keeps the source's; a set badge cannot change),
    // the guard for CNode (encode_guard), and must be 0 for other kinds.
    Status mint(Slot& src, Slot& dest, std::uint64_t raw_rights, std::uint64_t raw_data);
    Status move(Slot& src, Slot& dest);
    // A move that applies mint's changes in place; src must have no children
    // (changing a capability under its descendants could leave them with
    // more rights, or another badge, than their parent).
    Status mutate(Slot& src, Slot& dest, std::uint64_t raw_rights, std::uint64_t raw_data);
    // Empties the slot. Deleting the last capability to an object destroys
    // it; a CNode is queued for the reaper, which empties its slots first.
    Status remove(Slot& slot);
    // Deletes every descendant of the capability in `slot`, then reaps.
    // Returns Status::preempted when the budget ran out; call again to go on.
    Status revoke(Slot& slot, Budget& budget);
    // Empties and destroys queued CNodes. Status::preempted if budget ran out.
    Status reap(Budget& budget);
    // Makes raw_count objects of raw_kind from the Untyped in `untyped`, their
    // capabilities in slots [raw_offset, raw_offset + raw_count) of the CNode
    // that `dest_cnode` holds a capability to. raw_size_arg: log2 bytes for
    // Untyped, radix for CNode, ignored otherwise.
    Status retype(Slot& untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg, const Slot& dest_cnode,
                  std::uint64_t raw_offset, std::uint64_t raw_count);

    // --- the same, split: check_X, then apply_X ---------------------------
    // check_X makes every check of X, in X's order, and changes nothing; it
    // returns X's status or the checked plan. apply_X carries the plan out
    // and cannot fail, provided the state did not change in between.
    [[nodiscard]] Result<Derivation> check_copy(Slot& src, Slot& dest) const;
    [[nodiscard]] Result<Derivation> check_mint(Slot& src, Slot& dest, std::uint64_t raw_rights,
                                                std::uint64_t raw_data) const;
    [[nodiscard]] Result<Derivation> check_move(Slot& src, Slot& dest) const;
    [[nodiscard]] Result<Derivation> check_mutate(Slot& src, Slot& dest, std::uint64_t raw_rights,
                                                  std::uint64_t raw_data) const;
    void apply_derivation(const Derivation& derivation);
    [[nodiscard]] Result<RetypePlan> check_retype(Slot& untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg,
                                                  const Slot& dest_cnode, std::uint64_t raw_offset,
                                                  std::uint64_t raw_count) const;
    void apply_retype(const RetypePlan& plan);

    // --- address level: resolve in the CSpace rooted at `root`, then act ---
    Status copy(const Slot& root, Address src, Address dest);
    Status mint(const Slot& root, Address src, Address dest, std::uint64_t raw_rights, std::uint64_t raw_data);
    Status move(const Slot& root, Address src, Address dest);
    Status mutate(const Slot& root, Address src, Address dest, std::uint64_t raw_rights, std::uint64_t raw_data);
    Status remove(const Slot& root, Address slot);
    Status revoke(const Slot& root, Address slot, Budget& budget);
    Status retype(const Slot& root, Address untyped, std::uint64_t raw_kind, std::uint64_t raw_size_arg,
                  Address dest_cnode, std::uint64_t raw_offset, std::uint64_t raw_count);

    // --- inspection (checkers, debuggers) --------------------------------
    [[nodiscard]] const Slot& tree_root() const { return root_; }
    [[nodiscard]] const Slot* dying() const { return dying_; }
    [[nodiscard]] bool destruction_pending() const { return dying_ != nullptr; }
    [[nodiscard]] Machine& machine() const { return machine_; }

private:
    void delete_capability(Slot& slot);
    void destroy(const Capability& cap);
    void place_cnode_slots(const Capability& cap);
    void install(Slot& parent, Slot& dest, const Capability& cap);

    Machine& machine_;
    Slot root_{};            // parent of every initial capability; never holds one itself
    Slot* dying_ = nullptr;  // slot 0 of the most recently queued dying CNode
};

// The capability mint would make from `src`, or why it cannot. Exposed so the
// kernel's transfer of capabilities over IPC derives by the same rule.
Result<Capability> derive(const Capability& src, std::uint64_t raw_rights, std::uint64_t raw_data);

}  // namespace septum::caps
