// Decode, then invoke (kernel/src/invocation.hpp): every malformed
// invocation is refused by its decoder with the status user space has
// always seen, and a refused invocation changes nothing in the kernel but
// the caller's own result registers.
#include <gtest/gtest.h>

#include "pic.hpp"
#include "septum/abi/invocation.hpp"
#include "sim/refusal.hpp"
#include "sim/sim_system.hpp"

using namespace septum;
using namespace septum::kernel;
using namespace septum::kernel::sim;
using septum::abi::Invocation;
using septum::abi::MessageInfo;

namespace {

std::uint64_t kind(caps::ObjectKind k) { return static_cast<std::uint64_t>(k); }

using Decode = RefusalTest;

TEST_F(Decode, SchedContext) {
    const auto configure = Invocation::sched_context_configure;
    const std::uint64_t least = septum::abi::min_budget_us, longest = septum::abi::max_period_us;
    EXPECT_EQ(refused(slot_sched_context, configure, 1, {least, 1000}), Status::invalid_argument);  // too few words
    EXPECT_EQ(refused(slot_sched_context, Invocation::tcb_resume, 2, {least, 1000}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {0, 1000}), Status::invalid_argument);          // no budget
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {least - 1, 1000}), Status::invalid_argument);  // too small
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {1001, 1000}), Status::invalid_argument);  // over the period
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {least, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {least, longest + 1}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_sched_context, configure, 2, {~std::uint64_t{0}, ~std::uint64_t{0}}),
              Status::invalid_argument);  // would overflow the conversion to cycles
}

TEST_F(Decode, IoPort) {
    const auto out = Invocation::io_port_out, in = Invocation::io_port_in;
    EXPECT_EQ(refused(slot_ports, out, 2, {0x3f8, 1, 7}), Status::invalid_argument);  // too few words
    EXPECT_EQ(refused(slot_ports, in, 1, {0x3f8, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_ports, out, 3, {0x3f8, 3, 7}), Status::invalid_argument);  // no such width
    EXPECT_EQ(refused(slot_ports, in, 2, {0x3f8, 8}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_ports, out, 3, {0x3f7, 1, 7}), Status::invalid_argument);  // below the range
    EXPECT_EQ(refused(slot_ports, in, 2, {0x3fe, 4}), Status::invalid_argument);      // runs past its end
    // A port whose end wraps past 2^64 (it once passed as port 0xffff).
    EXPECT_EQ(refused(slot_ports, in, 2, {~std::uint64_t{0}, 2}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_ports, out, 3, {~std::uint64_t{0} - 2, 4, 7}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_ports, Invocation::irq_handler_ack, 3, {0x3f8, 1, 7}), Status::invalid_argument);
}

TEST_F(Decode, Irq) {
    const auto set = Invocation::irq_handler_set_notification;
    EXPECT_EQ(refused(slot_irq, set, 0, {slot_notification}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_irq, set, 1, {first_free_slot}), Status::empty_slot);
    EXPECT_EQ(refused(slot_irq, set, 1, {slot_endpoint}), Status::wrong_kind);
    ok(slot_cnode, Invocation::cnode_mint, {slot_notification, 64, first_free_slot, 64, 0x1, 0});  // read only
    EXPECT_EQ(refused(slot_irq, set, 1, {first_free_slot}), Status::insufficient_rights);
    EXPECT_EQ(refused(slot_irq, Invocation::irq_handler_ack, 0), Status::invalid_argument);  // nothing bound
    EXPECT_EQ(refused(slot_irq, Invocation::io_port_in, 1, {slot_notification}), Status::invalid_argument);
    // A line beyond the legacy PICs: refused before the label is read.
    ASSERT_EQ(sys.kernel().authority.create_initial(
                  sys.slot(first_free_slot + 1),
                  caps::capability_for_new_object(caps::ObjectKind::irq_handler, arch::pic::line_count, 0)),
              Status::ok);
    EXPECT_EQ(refused(first_free_slot + 1, set, 1, {slot_notification}), Status::out_of_range);
    EXPECT_EQ(refused(first_free_slot + 1, Invocation::io_port_in, 0), Status::out_of_range);
}

TEST_F(Decode, TcbConfigure) {
    const auto configure = Invocation::tcb_configure;
    const std::uint64_t tcb = slot_tcb_base;
    EXPECT_EQ(refused(tcb, configure, 4, {slot_cnode, slot_vspace, 0, 0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(tcb, configure, 5, {first_free_slot, slot_vspace, 0, 0, 0}), Status::empty_slot);
    EXPECT_EQ(refused(tcb, configure, 5, {slot_endpoint, slot_vspace, 0, 0, 0}), Status::wrong_kind);
    // The later capabilities and the buffer address are checked before the
    // first slot is replaced.
    EXPECT_EQ(refused(tcb, configure, 5, {slot_cnode, slot_cnode, 0, 0, 0}), Status::wrong_kind);
    EXPECT_EQ(refused(tcb, configure, 5, {slot_cnode, slot_vspace, slot_vspace, 0, 0}), Status::wrong_kind);
    EXPECT_EQ(refused(tcb, configure, 5, {slot_cnode, slot_vspace, 0, 0, slot_notification}), Status::wrong_kind);
    EXPECT_EQ(refused(tcb, configure, 5, {slot_cnode, slot_vspace, slot_ipc_buffer_base, ipc_buffer_address + 8, 0}),
              Status::invalid_argument);  // unaligned buffer
    EXPECT_EQ(refused(tcb, configure, 5, {slot_cnode, slot_vspace, slot_ipc_buffer_base, std::uint64_t{1} << 63, 0}),
              Status::invalid_argument);  // a kernel address
}

// Every capability is resolved in the caller's CSpace as it was when it
// called. Before decoding was split off, a thread that gave itself a new
// CSpace had its later capabilities looked up in the new one, and a miss
// there left it half configured.
TEST_F(Decode, TcbConfigureResolvesEverythingBeforeActing) {
    Tcb& t = running();
    const std::uint64_t cnode = first_free_slot, guarded = first_free_slot + 1;
    ok(slot_untyped, Invocation::untyped_retype, {kind(caps::ObjectKind::cnode), root_radix, slot_cnode, cnode, 1});
    ok(slot_cnode, Invocation::cnode_mint, {cnode, 64, guarded, 64, 0, caps::encode_guard(0, 64 - root_radix)});
    // The new CSpace is empty: slot_vspace names nothing in it.
    ok(slot_tcb_base + thread_count - 1, Invocation::tcb_configure, {guarded, slot_vspace, 0, 0, 0});
    EXPECT_EQ(t.cspace().cap.object, sys.slot(cnode).cap.object);
    EXPECT_EQ(t.vspace().cap.object, sys.slot(slot_vspace).cap.object);
    EXPECT_TRUE(t.slots[Tcb::ipc_buffer_slot].empty());
}

TEST_F(Decode, TcbRegistersPriorityAndResume) {
    Tcb& caller = running();
    const std::uint64_t other = slot_tcb_base, self = slot_tcb_base + thread_count - 1;
    ASSERT_EQ(&sys.thread(thread_count - 1), &caller);
    const auto write = Invocation::tcb_write_registers;
    EXPECT_EQ(refused(other, write, 5, {0x400000, 0x7000, 0, 0, 0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(self, write, 6, {0x400000, 0x7000, 0, 0, 0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(other, write, 6, {std::uint64_t{1} << 63, 0x7000, 0, 0, 0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(other, write, 6, {0x400000, std::uint64_t{1} << 63, 0, 0, 0, 0}), Status::invalid_argument);
    EXPECT_EQ(refused(other, Invocation::tcb_set_priority, 0, {1}), Status::invalid_argument);
    EXPECT_EQ(refused(other, Invocation::tcb_set_priority, 1, {caller.priority + 1u}), Status::invalid_argument);
    EXPECT_EQ(refused(other, Invocation::cnode_copy, 0), Status::invalid_argument);
    // A thread with no CSpace cannot be resumed.
    ok(other, Invocation::tcb_suspend, {});
    ok(other, Invocation::tcb_configure, {0, slot_vspace, 0, 0, 0});
    EXPECT_EQ(refused(other, Invocation::tcb_resume, 0), Status::invalid_argument);
}

TEST_F(Decode, TcbBindings) {
    const std::uint64_t tcb = slot_tcb_base;
    const auto bind = Invocation::tcb_bind_notification, set_sc = Invocation::tcb_set_sched_context;
    EXPECT_EQ(refused(tcb, bind, 0, {slot_notification}), Status::invalid_argument);
    EXPECT_EQ(refused(tcb, bind, 1, {slot_endpoint}), Status::wrong_kind);
    ok(slot_cnode, Invocation::cnode_mint, {slot_notification, 64, first_free_slot, 64, 0x2, 0});  // write only
    EXPECT_EQ(refused(tcb, bind, 1, {first_free_slot}), Status::insufficient_rights);
    ok(tcb, bind, {slot_notification});
    EXPECT_EQ(refused(tcb + 1, bind, 1, {slot_notification}), Status::slot_occupied);  // the notification is bound
    EXPECT_EQ(refused(tcb, set_sc, 0, {slot_sched_context}), Status::invalid_argument);
    EXPECT_EQ(refused(tcb, set_sc, 1, {slot_notification}), Status::wrong_kind);
    ok(tcb, set_sc, {slot_sched_context});
    EXPECT_EQ(refused(tcb + 1, set_sc, 1, {slot_sched_context}), Status::slot_occupied);  // one thread per context
}

TEST_F(Decode, Cnode) {
    const auto copy = Invocation::cnode_copy, mint = Invocation::cnode_mint;
    EXPECT_EQ(refused(slot_cnode, copy, 3, {slot_endpoint, 64, first_free_slot, 64}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, mint, 5, {slot_endpoint, 64, first_free_slot, 64, 0x1f, 0}),
              Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, Invocation::cnode_mutate, 4, {slot_endpoint, 64, first_free_slot, 64}),
              Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, Invocation::cnode_delete, 1, {slot_endpoint, 64}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, Invocation::cnode_revoke, 1, {slot_endpoint, 64}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, Invocation::tcb_resume, 4, {slot_endpoint, 64, first_free_slot, 64}),
              Status::invalid_argument);
    // Addresses: the source must hold a capability, depths must fit.
    EXPECT_EQ(refused(slot_cnode, copy, 4, {first_free_slot, 64, first_free_slot + 1, 64}), Status::empty_slot);
    EXPECT_EQ(refused(slot_cnode, copy, 4, {slot_endpoint, 65, first_free_slot, 64}), Status::out_of_range);
    EXPECT_EQ(refused(slot_cnode, copy, 4, {slot_endpoint, 64, first_free_slot, 0}), Status::out_of_range);
    EXPECT_EQ(refused(slot_cnode, Invocation::cnode_delete, 2, {first_free_slot, 64}), Status::empty_slot);
    EXPECT_EQ(refused(slot_cnode, Invocation::cnode_revoke, 2, {std::uint64_t{1} << 63, 64}), Status::guard_mismatch);
    // The capability library's own checks, which also change nothing.
    EXPECT_EQ(refused(slot_cnode, copy, 4, {slot_endpoint, 64, slot_notification, 64}), Status::slot_occupied);
    EXPECT_EQ(refused(slot_cnode, mint, 6, {slot_endpoint, 64, first_free_slot, 64, 0x20, 0}),
              Status::invalid_argument);
    EXPECT_EQ(refused(slot_cnode, mint, 6, {slot_untyped, 64, first_free_slot, 64, 0x1f, 0}), Status::not_derivable);
}

TEST_F(Decode, Untyped) {
    const auto retype = Invocation::untyped_retype;
    const std::uint64_t ep = kind(caps::ObjectKind::endpoint);
    EXPECT_EQ(refused(slot_untyped, retype, 4, {ep, 0, slot_cnode, first_free_slot, 1}), Status::invalid_argument);
    EXPECT_EQ(refused(slot_untyped, Invocation::cnode_copy, 5, {ep, 0, slot_cnode, first_free_slot, 1}),
              Status::invalid_argument);
    EXPECT_EQ(refused(slot_untyped, retype, 5, {ep, 0, first_free_slot, first_free_slot, 1}), Status::empty_slot);
    EXPECT_EQ(refused(slot_untyped, retype, 5, {ep, 0, slot_endpoint, first_free_slot, 1}), Status::wrong_kind);
    EXPECT_EQ(refused(slot_untyped, retype, 5, {999, 0, slot_endpoint, first_free_slot, 1}),
              Status::invalid_argument);  // the kind is checked before the destination's
    EXPECT_EQ(refused(slot_untyped, retype, 5, {ep, 0, slot_cnode, first_free_slot, 0}), Status::out_of_range);
    EXPECT_EQ(refused(slot_untyped, retype, 5, {ep, 0, slot_cnode, 250, 10}), Status::out_of_range);
    EXPECT_EQ(refused(slot_untyped, retype, 5, {ep, 0, slot_cnode, slot_endpoint, 1}), Status::slot_occupied);
    EXPECT_EQ(refused(slot_untyped, retype, 5,
                      {kind(caps::ObjectKind::untyped), untyped_bits, slot_cnode, first_free_slot, 1}),
              Status::invalid_argument);  // a child Untyped as large as its parent
    EXPECT_EQ(refused(slot_untyped, retype, 5, {kind(caps::ObjectKind::frame_2m), 0, slot_cnode, first_free_slot, 1}),
              Status::not_enough_memory);
}

}  // namespace
