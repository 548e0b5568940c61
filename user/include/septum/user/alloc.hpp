// A bump allocator of objects: each is retyped from one Untyped into the
// next free slot of a CNode. release_to() takes everything back at once,
// by revoking the Untyped (which destroys every object made from it) and
// emptying the slots handed out since a mark, so a test can start each
// time from the same clean state.
#pragma once

#include <cstdint>

#include "septum/caps/object_kind.hpp"
#include "septum/caps/status.hpp"
#include "septum/user/syscall.hpp"

namespace septum::user {

class Allocator {
public:
    // Objects come from the Untyped at `untyped`; their capabilities go to
    // slots [first_slot, first_slot + slot_count) of the CNode at `cnode`,
    // which must resolve depth-64 addresses in one level (slot i is address i).
    void init(CPtr cnode, CPtr untyped, std::uint64_t first_slot, std::uint64_t slot_count);

    // A free slot (its address).
    Result<CPtr> slot();
    // A new object; size_arg is log2 bytes for an Untyped, the radix for a CNode.
    Result<CPtr> make(caps::ObjectKind kind, std::uint64_t size_arg = 0);

    [[nodiscard]] std::uint64_t mark() const { return next_; }
    [[nodiscard]] std::uint64_t slots_left() const { return end_ - next_; }
    // Destroys every object made from the Untyped, empties the slots handed
    // out since `mark` and hands them out again.
    Status release_to(std::uint64_t mark);

    [[nodiscard]] CPtr untyped() const { return untyped_; }
    // Bytes of the Untyped handed out so far, alignment included: what the
    // kernel's watermark says, followed by the same rule (each object
    // naturally aligned).
    [[nodiscard]] std::uint64_t used_bytes() const { return used_; }
    [[nodiscard]] CPtr cnode() const { return cnode_; }

private:
    CPtr cnode_ = 0;
    CPtr untyped_ = 0;
    std::uint64_t next_ = 0;
    std::uint64_t end_ = 0;
    std::uint64_t used_ = 0;
};

// The raw kind number retype takes.
constexpr std::uint64_t raw_kind(caps::ObjectKind kind) { return static_cast<std::uint64_t>(kind); }

}  // namespace septum::user
