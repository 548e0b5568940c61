// Unit tests of the capability library, one behaviour each: the error each
// bad argument gets, and the effects the docs promise.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "host_machine.hpp"
#include "septum/caps/authority.hpp"
#include "septum/caps/mdb.hpp"

namespace septum::caps {
namespace {

using testing::HostMachine;
using testing::ObjectRecord;

constexpr auto raw(ObjectKind kind) { return static_cast<std::uint64_t>(kind); }
constexpr std::uint64_t all_rights = static_cast<std::uint64_t>(Rights::all);

// A root CNode of radix 4 at 0x10000 (2 KiB), an Untyped of 2^untyped_bits
// after it; R[0] = Untyped, R[1] = R itself.
class Caps : public ::testing::Test {
protected:
    explicit Caps(std::uint8_t untyped_bits = 16)
        : machine_{base, untyped_base(untyped_bits) + (std::uint64_t{1} << untyped_bits) - base}, authority_{machine_} {
        root_cnode_ = base;
        untyped_ = untyped_base(untyped_bits);
        Capability cnode = capability_for_new_object(ObjectKind::cnode, root_cnode_, radix + slot_bits);
        EXPECT_EQ(authority_.create_initial(root_, cnode), Status::ok);
        Capability untyped = capability_for_new_object(ObjectKind::untyped, untyped_, untyped_bits);
        EXPECT_EQ(authority_.create_initial(slot(0), untyped), Status::ok);
        EXPECT_EQ(authority_.copy(root_, slot(1)), Status::ok);
    }

    static constexpr PhysAddr base = 0x10000;
    static constexpr std::uint8_t radix = 4;
    static constexpr PhysAddr untyped_base(std::uint8_t bits) {
        const std::uint64_t align = std::uint64_t{1} << bits;
        return (base + 0x800 + align - 1) & ~(align - 1);
    }

    Slot& slot(std::uint64_t index) { return machine_.cnode_slots(root_cnode_)[index]; }
    static Address at(std::uint64_t index) { return Address{index, radix}; }
    Status retype(ObjectKind kind, std::uint64_t size_arg, std::uint64_t offset, std::uint64_t count = 1) {
        return authority_.retype(root_, at(0), raw(kind), size_arg, at(1), offset, count);
    }
    bool live(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) {
        return machine_.is_live(ObjectRecord{kind, object, size_bits, 0});
    }
    // Everything an operation could change but the machine's records: all
    // of memory (every CNode slot) and the root slot.
    std::vector<std::byte> state() {
        std::vector<std::byte> bytes(machine_.memory(), machine_.memory() + machine_.bytes());
        const auto* root = reinterpret_cast<const std::byte*>(&root_);
        bytes.insert(bytes.end(), root, root + sizeof root_);
        return bytes;
    }
    Status drain() {
        Budget budget{1U << 20};
        return authority_.reap(budget);
    }

    HostMachine machine_;
    Authority authority_;
    Slot root_{};
    PhysAddr root_cnode_ = 0;
    PhysAddr untyped_ = 0;
};

TEST_F(Caps, LookupRejectsIllegalDepthsAndStrayBits) {
    EXPECT_EQ(lookup_slot(machine_, root_, Address{0, 0}).status(), Status::out_of_range);
    EXPECT_EQ(lookup_slot(machine_, root_, Address{0, 65}).status(), Status::out_of_range);
    EXPECT_EQ(lookup_slot(machine_, root_, Address{16, 4}).status(), Status::out_of_range);
}

TEST_F(Caps, LookupDistinguishesEveryFailure) {
    EXPECT_EQ(lookup_slot(machine_, root_, Address{0, 3}).status(), Status::depth_mismatch);  // too few bits
    EXPECT_EQ(lookup_slot(machine_, root_, Address{0, 5}).status(), Status::depth_mismatch);  // Untyped mid-path
    EXPECT_EQ(lookup_slot(machine_, root_, Address{2 << 1, 5}).status(), Status::empty_slot);
    EXPECT_EQ(lookup_capability(machine_, root_, at(2)).status(), Status::empty_slot);
    Slot not_a_cnode{};
    not_a_cnode.cap = slot(0).cap;
    EXPECT_EQ(lookup_slot(machine_, not_a_cnode, at(0)).status(), Status::wrong_kind);
    // A guard of 2 bits, value 2, on a copy of R in R[3].
    ASSERT_EQ(authority_.mint(root_, at(1), at(3), all_rights, encode_guard(2, 2)), Status::ok);
    EXPECT_EQ(lookup_slot(machine_, root_, Address{(3 << 6) | (1 << 4) | 0, 10}).status(), Status::guard_mismatch);
    ASSERT_TRUE(lookup_slot(machine_, root_, Address{(3 << 6) | (2 << 4) | 0, 10}).ok());
    EXPECT_EQ(lookup_slot(machine_, root_, Address{(3 << 6) | (2 << 4) | 0, 10}).value(), &slot(0));
}

TEST_F(Caps, LookupWalksFourLevels) {
    // R[1] is R, so R[1][1][1][5] is R[5]: four levels of 4 bits each.
    const Address four{(1 << 12) | (1 << 8) | (1 << 4) | 5, 16};
    const Result<Slot*> result = lookup_slot(machine_, root_, four);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), &slot(5));
}

TEST_F(Caps, MintShrinksRightsAndSetsTheBadgeOnce) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    ASSERT_EQ(authority_.mint(root_, at(2), at(3), static_cast<std::uint64_t>(Rights::write), 7), Status::ok);
    EXPECT_EQ(slot(3).cap.rights, Rights::write);
    EXPECT_EQ(slot(3).cap.badge, 7U);
    EXPECT_EQ(authority_.mint(root_, at(3), at(4), all_rights, 0), Status::ok);
    EXPECT_EQ(slot(4).cap.rights, Rights::write);  // asking for more gets no more
    EXPECT_EQ(slot(4).cap.badge, 7U);
    EXPECT_EQ(authority_.mint(root_, at(3), at(5), all_rights, 8), Status::badge_already_set);
    EXPECT_EQ(authority_.mint(root_, at(2), at(5), 0x20, 0), Status::invalid_argument);
    EXPECT_TRUE(slot(5).empty());
}

TEST_F(Caps, DataIsRejectedWhereAKindHasNoUseForIt) {
    ASSERT_EQ(retype(ObjectKind::tcb, 0, 2), Status::ok);
    EXPECT_EQ(authority_.mint(root_, at(2), at(3), all_rights, 1), Status::invalid_argument);
    EXPECT_EQ(authority_.mint(root_, at(1), at(3), all_rights, encode_guard(4, 2)), Status::invalid_argument);
    EXPECT_EQ(authority_.mint(root_, at(1), at(3), all_rights, encode_guard(0, 61)), Status::invalid_argument);
}

TEST_F(Caps, UntypedAndReplyCannotBeDerived) {
    EXPECT_EQ(authority_.copy(root_, at(0), at(2)), Status::not_derivable);
    ASSERT_EQ(retype(ObjectKind::reply, 0, 2), Status::ok);
    EXPECT_EQ(authority_.mint(root_, at(2), at(3), all_rights, 0), Status::not_derivable);
    EXPECT_EQ(authority_.move(root_, at(2), at(3)), Status::ok);  // moving is fine
}

TEST_F(Caps, MutateRefusesACapabilityWithChildren) {
    ASSERT_EQ(retype(ObjectKind::notification, 0, 2), Status::ok);
    ASSERT_EQ(authority_.copy(root_, at(2), at(3)), Status::ok);
    EXPECT_EQ(authority_.mutate(root_, at(2), at(4), all_rights, 9), Status::has_children);
    EXPECT_EQ(authority_.mutate(root_, at(3), at(4), all_rights, 9), Status::ok);
    EXPECT_TRUE(slot(3).empty());
    EXPECT_EQ(slot(4).cap.badge, 9U);
    EXPECT_EQ(mdb::parent(slot(4)), &slot(2));  // same place in the tree
}

TEST_F(Caps, ChecksRefuseWithTheOperationsStatusAndChangeNothing) {
    ASSERT_EQ(retype(ObjectKind::notification, 0, 2), Status::ok);
    ASSERT_EQ(authority_.copy(slot(2), slot(3)), Status::ok);
    const std::vector<std::byte> before = state();
    const std::uint64_t created = machine_.created_count();
    EXPECT_EQ(authority_.check_copy(slot(2), slot(3)).status(), Status::slot_occupied);
    EXPECT_EQ(authority_.check_copy(slot(0), slot(4)).status(), Status::not_derivable);
    EXPECT_EQ(authority_.check_mint(slot(2), slot(4), 0x20, 0).status(), Status::invalid_argument);
    EXPECT_EQ(authority_.check_mint(slot(1), slot(4), all_rights, encode_guard(0, 61)).status(),
              Status::invalid_argument);
    EXPECT_EQ(authority_.check_move(slot(5), slot(4)).status(), Status::empty_slot);
    EXPECT_EQ(authority_.check_move(slot(2), slot(3)).status(), Status::slot_occupied);
    EXPECT_EQ(authority_.check_mutate(slot(2), slot(4), all_rights, 9).status(), Status::has_children);
    EXPECT_EQ(authority_.check_retype(slot(1), raw(ObjectKind::endpoint), 0, root_, 4, 1).status(), Status::wrong_kind);
    EXPECT_EQ(authority_.check_retype(slot(0), raw(ObjectKind::untyped), 16, root_, 4, 1).status(),
              Status::invalid_argument);
    EXPECT_EQ(authority_.check_retype(slot(0), raw(ObjectKind::endpoint), 0, root_, 15, 2).status(),
              Status::out_of_range);
    EXPECT_EQ(authority_.check_retype(slot(0), raw(ObjectKind::endpoint), 0, root_, 2, 1).status(),
              Status::slot_occupied);
    EXPECT_EQ(authority_.check_retype(slot(0), raw(ObjectKind::frame_2m), 0, root_, 4, 1).status(),
              Status::not_enough_memory);
    // A check that passes changes nothing either.
    EXPECT_TRUE(authority_.check_mutate(slot(3), slot(4), all_rights, 9).ok());
    EXPECT_TRUE(authority_.check_retype(slot(0), raw(ObjectKind::frame_4k), 0, root_, 4, 2).ok());
    EXPECT_EQ(state(), before);
    EXPECT_EQ(machine_.created_count(), created);
}

TEST_F(Caps, ApplyCarriesOutWhatItsCheckPassed) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    const Result<RetypePlan> plan = authority_.check_retype(slot(0), raw(ObjectKind::frame_4k), 0, root_, 4, 2);
    ASSERT_TRUE(plan.ok());
    authority_.apply_retype(plan.value());
    EXPECT_EQ(slot(4).cap.object, untyped_ + 0x1000);  // aligned past the endpoint
    EXPECT_EQ(slot(5).cap.object, untyped_ + 0x2000);
    EXPECT_EQ(slot(0).cap.watermark, 0x3000U);
    EXPECT_TRUE(live(ObjectKind::frame_4k, untyped_ + 0x2000, 12));
    EXPECT_EQ(mdb::parent(slot(5)), &slot(0));

    const Result<Derivation> mint =
        authority_.check_mint(slot(2), slot(3), static_cast<std::uint64_t>(Rights::write), 7);
    ASSERT_TRUE(mint.ok());
    authority_.apply_derivation(mint.value());
    EXPECT_EQ(slot(3).cap.rights, Rights::write);
    EXPECT_EQ(slot(3).cap.badge, 7U);
    EXPECT_EQ(mdb::parent(slot(3)), &slot(2));

    const Result<Derivation> copy = authority_.check_copy(slot(2), slot(6));
    ASSERT_TRUE(copy.ok());
    authority_.apply_derivation(copy.value());
    EXPECT_EQ(slot(6).cap.object, slot(2).cap.object);
    EXPECT_EQ(mdb::parent(slot(6)), &slot(2));

    const Result<Derivation> move = authority_.check_move(slot(3), slot(7));
    ASSERT_TRUE(move.ok());
    authority_.apply_derivation(move.value());
    EXPECT_TRUE(slot(3).empty());
    EXPECT_EQ(slot(7).cap.badge, 7U);
    EXPECT_EQ(mdb::parent(slot(7)), &slot(2));  // same place in the tree

    const Result<Derivation> mutate = authority_.check_mutate(slot(6), slot(8), all_rights, 9);
    ASSERT_TRUE(mutate.ok());
    authority_.apply_derivation(mutate.value());
    EXPECT_TRUE(slot(6).empty());
    EXPECT_EQ(slot(8).cap.badge, 9U);
    EXPECT_EQ(mdb::parent(slot(8)), &slot(2));
}

TEST_F(Caps, DeletingTheLastCapabilityDestroysTheObject) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    const PhysAddr endpoint = slot(2).cap.object;
    ASSERT_EQ(authority_.copy(root_, at(2), at(3)), Status::ok);
    ASSERT_EQ(authority_.remove(root_, at(2)), Status::ok);
    EXPECT_TRUE(live(ObjectKind::endpoint, endpoint, 4));  // R[3] still reaches it
    EXPECT_EQ(mdb::parent(slot(3)), &slot(0));             // spliced up to the Untyped
    ASSERT_EQ(authority_.remove(root_, at(3)), Status::ok);
    EXPECT_FALSE(live(ObjectKind::endpoint, endpoint, 4));
    EXPECT_EQ(authority_.remove(root_, at(3)), Status::empty_slot);
}

TEST_F(Caps, AFullCNodeIsEmptiedByTheReaperInBoundedSteps) {
    ASSERT_EQ(retype(ObjectKind::cnode, 3, 2), Status::ok);  // 8 slots
    const PhysAddr inner = slot(2).cap.object;
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 3), Status::ok);
    const PhysAddr endpoint = slot(3).cap.object;
    ASSERT_EQ(authority_.move(root_, at(3), Address{(2 << 3) | 7, 7}), Status::ok);
    ASSERT_EQ(authority_.remove(root_, at(2)), Status::ok);
    EXPECT_TRUE(authority_.destruction_pending());
    EXPECT_TRUE(live(ObjectKind::cnode, inner, 10));
    int calls = 0;
    for (Status status = Status::preempted; status == Status::preempted; ++calls) {
        Budget budget{1};
        status = authority_.reap(budget);
    }
    EXPECT_EQ(calls, 8);  // 8 slots, one per call; the last call also destroys it
    EXPECT_FALSE(live(ObjectKind::cnode, inner, 10));
    EXPECT_FALSE(live(ObjectKind::endpoint, endpoint, 4));
}

TEST_F(Caps, RevokeIsPreemptibleAndComplete) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    ASSERT_EQ(retype(ObjectKind::cnode, 8, 3), Status::ok);  // 256 slots for the copies
    for (std::uint64_t i = 0; i < 200; ++i) {
        const Address from = i == 0 ? at(2) : Address{(3 << 8) | (i / 2), 12};  // a binary tree
        ASSERT_EQ(authority_.copy(root_, from, Address{(3 << 8) | i, 12}), Status::ok);
    }
    int calls = 0;
    Status status = Status::preempted;
    while (status == Status::preempted) {
        Budget budget{16};
        status = authority_.revoke(root_, at(2), budget);
        ++calls;
    }
    EXPECT_EQ(status, Status::ok);
    EXPECT_GE(calls, 200 / 16);
    EXPECT_FALSE(mdb::has_children(slot(2)));
    EXPECT_FALSE(slot(2).empty());
}

TEST_F(Caps, RetypeAlignsAndAllocatesFromTheWatermark) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    ASSERT_EQ(retype(ObjectKind::frame_4k, 0, 3), Status::ok);
    EXPECT_EQ(slot(2).cap.object, untyped_);
    EXPECT_EQ(slot(3).cap.object, untyped_ + 0x1000);  // aligned past the endpoint
    EXPECT_EQ(slot(0).cap.watermark, 0x2000U);
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 4, 3), Status::ok);
    EXPECT_EQ(slot(6).cap.object, untyped_ + 0x2020);
}

TEST_F(Caps, RetypeChecksEveryArgument) {
    EXPECT_EQ(authority_.retype(root_, at(1), raw(ObjectKind::endpoint), 0, at(1), 2, 1), Status::wrong_kind);
    EXPECT_EQ(retype(ObjectKind::null, 0, 2), Status::invalid_argument);
    EXPECT_EQ(retype(ObjectKind::io_port_range, 0, 2), Status::invalid_argument);
    EXPECT_EQ(authority_.retype(root_, at(0), 9999, 0, at(1), 2, 1), Status::invalid_argument);
    EXPECT_EQ(retype(ObjectKind::cnode, 0, 2), Status::invalid_argument);
    EXPECT_EQ(retype(ObjectKind::cnode, 25, 2), Status::invalid_argument);
    EXPECT_EQ(retype(ObjectKind::untyped, 3, 2), Status::invalid_argument);
    EXPECT_EQ(retype(ObjectKind::untyped, 16, 2), Status::invalid_argument);  // as big as its parent
    EXPECT_EQ(retype(ObjectKind::endpoint, 0, 16), Status::out_of_range);
    EXPECT_EQ(retype(ObjectKind::endpoint, 0, 15, 2), Status::out_of_range);
    EXPECT_EQ(retype(ObjectKind::endpoint, 0, 2, 0), Status::out_of_range);
    EXPECT_EQ(retype(ObjectKind::endpoint, 0, 2, ~std::uint64_t{0}), Status::out_of_range);
    EXPECT_EQ(retype(ObjectKind::endpoint, 0, 1), Status::slot_occupied);
    EXPECT_EQ(retype(ObjectKind::frame_2m, 0, 2), Status::not_enough_memory);
    EXPECT_EQ(retype(ObjectKind::frame_4k, 0, 2, 14), Status::ok);  // 14 frames: 56 KiB
    EXPECT_EQ(slot(0).cap.watermark, 14U * 4096);
    EXPECT_EQ(retype(ObjectKind::tcb, 0, 1), Status::slot_occupied);
    EXPECT_EQ(authority_.remove(root_, at(1)), Status::ok);
    EXPECT_EQ(lookup_capability(machine_, root_, at(1)).status(), Status::empty_slot);
    EXPECT_EQ(authority_.retype(root_, at(0), raw(ObjectKind::tcb), 0, at(1), 0, 1), Status::empty_slot);
}

TEST_F(Caps, UntypedResetsOnlyWhenNothingMadeFromItIsLeft) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 3), Status::ok);
    ASSERT_EQ(authority_.remove(root_, at(2)), Status::ok);
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    EXPECT_EQ(slot(2).cap.object, untyped_ + 0x20);  // no reset: R[3] still lives
    Budget budget{100};
    ASSERT_EQ(authority_.revoke(root_, at(0), budget), Status::ok);
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    EXPECT_EQ(slot(2).cap.object, untyped_);  // reset
}

TEST_F(Caps, InitialCapabilitiesAreValidated) {
    Slot a{};
    EXPECT_EQ(authority_.create_initial(a, Capability{}), Status::invalid_argument);
    EXPECT_EQ(authority_.create_initial(a, capability_for_new_object(ObjectKind::frame_4k, 0x1001, 12)),
              Status::invalid_argument);
    EXPECT_EQ(authority_.create_initial(a, capability_for_new_object(ObjectKind::frame_4k, 0x2000, 13)),
              Status::invalid_argument);
    EXPECT_EQ(authority_.create_initial(a, capability_for_new_object(ObjectKind::irq_handler, 256, 0)),
              Status::invalid_argument);
    Capability ports = capability_for_new_object(ObjectKind::io_port_range, 0x70, 0);
    ports.last_port = 0x6F;
    EXPECT_EQ(authority_.create_initial(a, ports), Status::invalid_argument);
    ports.last_port = 0x71;
    EXPECT_EQ(authority_.create_initial(a, ports), Status::ok);
    EXPECT_EQ(authority_.create_initial(a, ports), Status::slot_occupied);
}

class CapsBigUntyped : public Caps {
protected:
    CapsBigUntyped() : Caps(22) {}
};

TEST_F(CapsBigUntyped, LargeFramesAreAlignedToTwoMegabytes) {
    ASSERT_EQ(retype(ObjectKind::endpoint, 0, 2), Status::ok);
    ASSERT_EQ(retype(ObjectKind::frame_2m, 0, 3), Status::ok);
    EXPECT_EQ(slot(3).cap.object % (2U << 20), 0U);
    EXPECT_EQ(slot(3).cap.object, untyped_ + (2U << 20));
    EXPECT_EQ(retype(ObjectKind::frame_2m, 0, 4), Status::not_enough_memory);
}

TEST(CapsStatus, TryReturnsTheFirstError) {
    auto failing = []() -> Status {
        SEPTUM_TRY(Status::ok);
        SEPTUM_TRY(Result<int>{Status::guard_mismatch});
        return Status::ok;
    };
    EXPECT_EQ(failing(), Status::guard_mismatch);
}

}  // namespace
}  // namespace septum::caps
