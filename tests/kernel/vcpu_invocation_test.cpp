// VCPU invocations (kernel/src/object/vcpu.cpp): configure, run and
// read_state, and the run's fast path (kernel/src/fastpath.cpp). The
// simulated machine has no VT-x (kernel/arch/host/virt.hpp), so a VCPU is
// made, configured and deleted as on the machine, but every run and every
// read_state is refused with invalid_argument; what is checked here is
// that malformed ones are refused for their own reasons, changing nothing,
// and by both paths alike.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "object/vcpu.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/caps/mdb.hpp"
#include "sim/refusal.hpp"
#include "sim/sim_system.hpp"

using namespace septum;
using namespace septum::kernel;
using namespace septum::kernel::sim;
using caps::ObjectKind;
using septum::abi::Invocation;

namespace {

constexpr std::uint64_t all_parts = septum::abi::vcpu_state::all;

// A VCPU, two GuestMemory objects and state pages: one with every right,
// one read-only, one write-only, and a 2 MiB frame (eight MiB of simulated
// memory leave room for it).
class Vcpus : public RefusalTest {
protected:
    static constexpr std::uint64_t vcpu = 32, guest = 33, guest2 = 34, page = 35, read_only = 36, write_only = 37,
                                   large = 38, spare = 39;

    Vcpus() : RefusalTest(max_memory_bytes) {}

    void SetUp() override {
        retype(ObjectKind::vcpu, vcpu);
        retype(ObjectKind::guest_memory, guest);
        retype(ObjectKind::guest_memory, guest2);
        retype(ObjectKind::frame_4k, page);
        ok(slot_cnode, Invocation::cnode_mint, {page, 64, read_only, 64, 0x1, 0});
        ok(slot_cnode, Invocation::cnode_mint, {page, 64, write_only, 64, 0x2, 0});
        sys.place(ObjectKind::frame_2m, 21, large);
    }

    Vcpu& object() { return vcpu_at(sys.slot(vcpu).cap.object); }
    caps::Slot& held(Vcpu::SlotIndex i) { return object().slots[i]; }
};

TEST_F(Vcpus, Configure) {
    const auto configure = Invocation::vcpu_configure;
    EXPECT_EQ(refused(vcpu, configure, 1, {guest, page}), Status::invalid_argument);  // too few words
    EXPECT_EQ(refused(vcpu, Invocation::frame_map, 3, {guest, page, 3}), Status::invalid_argument);
    // Both capabilities are looked up before either's kind is checked.
    EXPECT_EQ(refused(vcpu, configure, 2, {spare, page}), Status::empty_slot);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, spare}), Status::empty_slot);
    EXPECT_EQ(refused(vcpu, configure, 2, {slot_endpoint, spare}), Status::empty_slot);
    EXPECT_EQ(refused(vcpu, configure, 2, {std::uint64_t{1} << 63, page}), Status::guard_mismatch);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, std::uint64_t{1} << 63}), Status::guard_mismatch);
    // Kinds: a GuestMemory and a 4 KiB Frame, in that order.
    EXPECT_EQ(refused(vcpu, configure, 2, {slot_vspace, page}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure, 2, {page, guest}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, slot_endpoint}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, large}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, guest2}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure, 2, {slot_vspace, read_only}), Status::wrong_kind);  // kinds before rights
    // The kernel writes the state page and reads it back.
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, read_only}), Status::insufficient_rights);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest, write_only}), Status::insufficient_rights);
    // A refusal leaves a configured VCPU as it was (refused() compares).
    ok(vcpu, configure, {guest, page});
    EXPECT_EQ(refused(vcpu, configure, 2, {guest2, read_only}), Status::insufficient_rights);
    EXPECT_EQ(refused(vcpu, configure, 2, {guest2, spare}), Status::empty_slot);
}

// The VCPU holds derived copies of what it was configured with: a new
// configuration, a revoke of the original or the VCPU's deletion removes
// them.
TEST_F(Vcpus, ConfigureHoldsDerivedCopies) {
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    caps::Slot& memory = held(Vcpu::guest_memory_slot);
    caps::Slot& state = held(Vcpu::state_page_slot);
    EXPECT_EQ(memory.cap.kind, ObjectKind::guest_memory);
    EXPECT_EQ(memory.cap.object, sys.slot(guest).cap.object);
    EXPECT_EQ(caps::mdb::parent(memory), &sys.slot(guest));
    EXPECT_EQ(state.cap.kind, ObjectKind::frame_4k);
    EXPECT_EQ(state.cap.object, sys.slot(page).cap.object);
    EXPECT_EQ(state.cap.rights, sys.slot(page).cap.rights);
    EXPECT_EQ(caps::mdb::parent(state), &sys.slot(page));

    ok(vcpu, Invocation::vcpu_configure, {guest2, page});  // replaces both
    EXPECT_FALSE(caps::mdb::has_children(sys.slot(guest)));
    EXPECT_EQ(memory.cap.object, sys.slot(guest2).cap.object);
    EXPECT_EQ(caps::mdb::parent(memory), &sys.slot(guest2));
    EXPECT_EQ(caps::mdb::parent(state), &sys.slot(page));

    ok(slot_cnode, Invocation::cnode_revoke, {guest2, 64});
    EXPECT_TRUE(memory.empty());
    EXPECT_FALSE(state.empty());
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    ASSERT_TRUE(caps::mdb::has_children(sys.slot(guest)));

    ok(slot_cnode, Invocation::cnode_delete, {vcpu, 64});
    EXPECT_TRUE(memory.empty());
    EXPECT_TRUE(state.empty());
    EXPECT_FALSE(caps::mdb::has_children(sys.slot(guest)));
    // The page keeps its minted children (read_only, write_only) only.
    for (const caps::Slot* c = sys.slot(page).mdb.first_child; c != nullptr; c = caps::mdb::next_sibling(*c)) {
        EXPECT_TRUE(c == &sys.slot(read_only) || c == &sys.slot(write_only));
    }
}

}  // namespace

namespace septum::arch::virt {
extern std::uint32_t sim_apic_offered;  // sim.cpp
}  // namespace septum::arch::virt

namespace {

namespace av = septum::abi::apic_virt;

// vcpu_configure_apic: what the CPU offers comes back; features it lacks,
// combinations the SDM forbids, and frames that are not readable and
// writable 4 KiB Frames are refused, changing nothing.
TEST_F(Vcpus, ConfigureApic) {
    const auto configure_apic = Invocation::vcpu_configure_apic;
    constexpr std::uint64_t xapic =
        av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery;
    arch::virt::sim_apic_offered = 0;
    // Not configured yet; too few words.
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, 0}), Status::invalid_argument);
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    EXPECT_EQ(refused(vcpu, configure_apic, 2, {page, page, 0}), Status::invalid_argument);
    // A CPU without APIC virtualization: features 0 only, answering 0.
    ok(vcpu, configure_apic, {0, 0, 0});
    EXPECT_EQ(message_word(running(), 0), 0u);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, av::tpr_shadow}), Status::invalid_argument);

    arch::virt::sim_apic_offered = av::all;
    ok(vcpu, configure_apic, {0, 0, 0});
    EXPECT_EQ(message_word(running(), 0), std::uint64_t{av::all});
    // Forbidden together, unknown bits.
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, av::interrupt_delivery}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, av::tpr_shadow | av::apic_accesses | av::x2apic_mode}),
              Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, av::all + 1}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, page, std::uint64_t{1} << 40}), Status::invalid_argument);
    // Frames: present, 4 KiB, readable and writable; the access page only
    // looked at with apic_accesses.
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {spare, page, xapic}), Status::empty_slot);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, spare, xapic}), Status::empty_slot);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {large, page, xapic}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, guest, xapic}), Status::wrong_kind);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {read_only, page, xapic}), Status::insufficient_rights);
    EXPECT_EQ(refused(vcpu, configure_apic, 3, {page, write_only, xapic}), Status::insufficient_rights);
    ok(vcpu, configure_apic, {page, spare, av::tpr_shadow | av::x2apic_mode | av::interrupt_delivery});
    EXPECT_FALSE(held(Vcpu::virtual_apic_slot).empty());
    EXPECT_TRUE(held(Vcpu::apic_access_slot).empty());
    arch::virt::sim_apic_offered = 0;
}

// The VCPU holds copies of its APIC frames; a revoke of one empties its
// slot, and the VCPU no longer runs with it (on the machine: a VMCS never
// names a frame the VCPU does not hold); a new configuration drops them.
TEST_F(Vcpus, ConfigureApicHoldsDerivedCopies) {
    arch::virt::sim_apic_offered = av::all;
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    retype(ObjectKind::frame_4k, spare);
    ok(vcpu, Invocation::vcpu_configure_apic,
       {spare, page, av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery});
    caps::Slot& vapic = held(Vcpu::virtual_apic_slot);
    caps::Slot& access = held(Vcpu::apic_access_slot);
    EXPECT_EQ(caps::mdb::parent(vapic), &sys.slot(spare));
    EXPECT_EQ(caps::mdb::parent(access), &sys.slot(page));
    EXPECT_EQ(object().arch.virtual_apic, sys.slot(spare).cap.object);
    EXPECT_EQ(object().arch.apic_access, sys.slot(page).cap.object);

    ok(slot_cnode, Invocation::cnode_revoke, {spare, 64});
    EXPECT_TRUE(vapic.empty());
    EXPECT_FALSE(access.empty());
    EXPECT_EQ(refused(vcpu, Invocation::vcpu_run, 2, {0, 0}), Status::invalid_argument);

    ok(vcpu, Invocation::vcpu_configure, {guest, page});  // a new configuration: APIC virtualization off
    EXPECT_TRUE(access.empty());
    EXPECT_EQ(object().arch.apic_features, 0u);
    ok(slot_cnode, Invocation::cnode_delete, {vcpu, 64});
    arch::virt::sim_apic_offered = 0;
}

TEST_F(Vcpus, RunAndReadState) {
    const auto run = Invocation::vcpu_run, read_state = Invocation::vcpu_read_state;
    // Too few words (the fast path declines them; the general path refuses).
    EXPECT_EQ(refused(vcpu, run, 1, {0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, run, 0), Status::invalid_argument);
    // Supply bits that name no part and are not the interrupt window.
    for (std::uint64_t supply :
         {all_parts + 1, std::uint64_t{1} << 31, std::uint64_t{1} << 33, std::uint64_t{1} << 63, ~std::uint64_t{0}}) {
        EXPECT_EQ(refused(vcpu, run, 2, {supply, 0}), Status::invalid_argument) << supply;
        EXPECT_EQ(refused(vcpu, run, 5, {supply, 0, 0, 0, 0}), Status::invalid_argument) << supply;  // general path
    }
    // Well formed, configured or not: no VT-x here.
    EXPECT_EQ(refused(vcpu, run, 2, {0, 0}), Status::invalid_argument);
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    EXPECT_EQ(refused(vcpu, run, 2, {all_parts | septum::abi::run_interrupt_window, ~std::uint64_t{0}}),
              Status::invalid_argument);
    // read_state: one word, known parts (and here too, no VT-x).
    EXPECT_EQ(refused(vcpu, read_state, 0, {all_parts}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, read_state, 1, {all_parts + 1}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, read_state, 1, {std::uint64_t{1} << 63}), Status::invalid_argument);
    EXPECT_EQ(refused(vcpu, read_state, 1, {all_parts}), Status::invalid_argument);
}

// A run the fast path takes (a one-level CSpace, at most four words)
// returns what the general path returns for the same two words: the
// status, an empty message info, and every other register as it was.
TEST_F(Vcpus, FastPathRefusesAsTheGeneralPath) {
    Kernel& k = sys.kernel();
    ok(vcpu, Invocation::vcpu_configure, {guest, page});
    for (std::uint64_t supply :
         {all_parts + 1, std::uint64_t{1} << 33, all_parts | septum::abi::run_interrupt_window}) {
        Tcb& t = running();
        t.context.rax = static_cast<std::uint64_t>(septum::abi::Syscall::call);
        t.context.rdi = vcpu;
        t.context.rsi = label(Invocation::vcpu_run, 2).encode();
        t.context.rdx = supply;
        t.context.r8 = septum::abi::vcpu_state::gprs;
        t.context.r9 = 0x5ec1;
        t.context.r10 = 0x5ec2;
        const arch::UserContext before = t.context;
        ASSERT_EQ(k.fast_call(t), Kernel::Fast::handled);
        const arch::UserContext fast = t.context;

        // Five words are more than the registers hold: the general path.
        t.context = before;
        t.context.rsi = label(Invocation::vcpu_run, 5).encode();
        const arch::UserContext general_before = t.context;
        ASSERT_EQ(k.fast_call(t), Kernel::Fast::declined);
        EXPECT_EQ(std::memcmp(&t.context, &general_before, sizeof t.context), 0) << "the fast path declined, changed";
        k.handle_syscall();
        ASSERT_EQ(k.schedule(), &t);

        EXPECT_EQ(static_cast<Status>(fast.rax), Status::invalid_argument) << supply;
        EXPECT_EQ(fast.rsi, septum::abi::MessageInfo{}.encode());
        EXPECT_EQ(std::memcmp(&fast, &t.context, sizeof fast), 0) << "the paths differ for supply " << supply;
        arch::UserContext unchanged = before;
        unchanged.rax = fast.rax;
        unchanged.rsi = fast.rsi;
        EXPECT_EQ(std::memcmp(&fast, &unchanged, sizeof fast), 0) << "the fast path changed another register";
    }
}

}  // namespace
