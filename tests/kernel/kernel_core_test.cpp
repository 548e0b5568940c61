// The kernel core on the simulated machine (kernel/arch/host): syscalls and
// invocations played by the test as the threads, kernel invariants checked
// after each step.
#include <gtest/gtest.h>

#include "cpu.hpp"
#include "interrupts.hpp"
#include "physical.hpp"
#include "pic.hpp"
#include "septum/abi/invocation.hpp"
#include "sim/sim_system.hpp"
#include "vspace.hpp"

using namespace septum;
using namespace septum::kernel;
using namespace septum::kernel::sim;
using septum::abi::Invocation;
using septum::abi::MessageInfo;
using septum::abi::Syscall;

namespace {

class KernelCore : public ::testing::Test {
protected:
    void TearDown() override { EXPECT_EQ(check_kernel_invariants(sys), ""); }

    // The thread the scheduler runs now.
    Tcb& running() { return *sys.kernel().schedule(); }

    SimSystem sys;
};

TEST_F(KernelCore, HighestPriorityThreadRuns) { EXPECT_EQ(&running(), &sys.thread(thread_count - 1)); }

TEST_F(KernelCore, UnknownSyscallIsRefused) {
    Tcb& t = running();
    t.context.rax = 99;
    sys.kernel().handle_syscall();
    EXPECT_EQ(static_cast<Status>(t.context.rax), Status::invalid_argument);
}

TEST_F(KernelCore, LookupErrorsAreDistinct) {
    Tcb& t = running();
    EXPECT_EQ(sys.syscall(t, Syscall::signal, first_free_slot, {}).status, Status::empty_slot);
    EXPECT_EQ(sys.syscall(t, Syscall::signal, std::uint64_t{1} << 63, {}).status, Status::guard_mismatch);
    EXPECT_EQ(sys.syscall(t, Syscall::signal, slot_endpoint, {}).status, Status::wrong_kind);
}

TEST_F(KernelCore, CallAndReplyRecvCarryMessageAndBadge) {
    Tcb& server = running();
    // Server waits on the endpoint; it blocks and the next thread runs.
    sys.syscall(server, Syscall::recv, slot_endpoint, {});
    ASSERT_EQ(server.state, ThreadState::blocked_recv);
    // A badged copy for the client.
    Tcb& client = running();
    ASSERT_NE(&client, &server);
    auto r = sys.syscall(client, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                         {slot_endpoint, 64, first_free_slot, 64, 0x1f, 42});
    ASSERT_EQ(r.status, Status::ok);
    sys.syscall(client, Syscall::call, first_free_slot, MessageInfo{7, 2, 0}, {111, 222});
    EXPECT_EQ(client.state, ThreadState::blocked_reply);
    ASSERT_EQ(server.state, ThreadState::ready);
    auto got = SimSystem::result_of(server);
    EXPECT_EQ(got.badge, 42u);
    EXPECT_EQ(got.info.label, 7u);
    EXPECT_EQ(got.mr[0], 111u);
    EXPECT_EQ(got.mr[1], 222u);
    // The server (higher priority) runs on; it replies and waits again.
    ASSERT_EQ(&running(), &server);
    sys.syscall(server, Syscall::reply_recv, slot_endpoint, MessageInfo{9, 1, 0}, {333});
    EXPECT_EQ(server.state, ThreadState::blocked_recv);
    auto reply = SimSystem::result_of(client);
    EXPECT_EQ(client.state, ThreadState::ready);
    EXPECT_EQ(reply.status, Status::ok);
    EXPECT_EQ(reply.info.label, 9u);
    EXPECT_EQ(reply.mr[0], 333u);
}

// The fast path delivers exactly the message's words, as the general path
// does: registers beyond the length keep the receiver's own values and
// never carry the sender's (found by the separation checker).
TEST_F(KernelCore, FastPathCopiesOnlyTheMessageWords) {
    Tcb& server = running();
    sys.syscall(server, Syscall::recv, slot_endpoint, MessageInfo{}, {0, 0, 0xaaaa, 0xbbbb});
    ASSERT_EQ(server.state, ThreadState::blocked_recv);
    Tcb& client = running();
    ASSERT_EQ(sys.syscall(client, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                          {slot_endpoint, 64, first_free_slot, 64, 0x1f, 7})
                  .status,
              Status::ok);
    sys.syscall(client, Syscall::call, first_free_slot, MessageInfo{5, 1, 0}, {1, 0x5ec1, 0x5ec2, 0x5ec3});
    ASSERT_EQ(client.state, ThreadState::blocked_reply);
    auto got = SimSystem::result_of(server);
    EXPECT_EQ(got.mr[0], 1u);
    EXPECT_EQ(got.mr[1], 0u);
    EXPECT_EQ(got.mr[2], 0xaaaau);
    EXPECT_EQ(got.mr[3], 0xbbbbu);
    // The reply, one word, leaves the client's other registers its own.
    ASSERT_EQ(&running(), &server);
    sys.syscall(server, Syscall::reply_recv, slot_endpoint, MessageInfo{0, 1, 0}, {9, 0x5ec4, 0x5ec5, 0x5ec6});
    auto reply = SimSystem::result_of(client);
    EXPECT_EQ(reply.mr[0], 9u);
    EXPECT_EQ(reply.mr[1], 0x5ec1u);
    EXPECT_EQ(reply.mr[2], 0x5ec2u);
    EXPECT_EQ(reply.mr[3], 0x5ec3u);
}

TEST_F(KernelCore, MintCannotAddRightsOrRebadge) {
    Tcb& t = running();
    ASSERT_EQ(sys.syscall(t, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                          {slot_endpoint, 64, first_free_slot, 64, 0x2, 5})
                  .status,
              Status::ok);  // write only, badge 5
    EXPECT_EQ(sys.slot(first_free_slot).cap.rights, caps::Rights::write);
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                          {first_free_slot, 64, first_free_slot + 1, 64, 0x1f, 6})
                  .status,
              Status::badge_already_set);
    ASSERT_EQ(sys.syscall(t, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                          {first_free_slot, 64, first_free_slot + 1, 64, 0x1f, 0})
                  .status,
              Status::ok);
    EXPECT_EQ(sys.slot(first_free_slot + 1).cap.rights, caps::Rights::write);  // rights only shrink
    // Receiving needs the read right the minted capability lacks.
    EXPECT_EQ(sys.syscall(t, Syscall::recv, first_free_slot + 1, {}).status, Status::insufficient_rights);
}

TEST_F(KernelCore, NotificationSignalWaitAndBoundReceive) {
    Tcb& waiter = running();
    sys.syscall(waiter, Syscall::wait, slot_notification, {});
    ASSERT_EQ(waiter.state, ThreadState::blocked_notify);
    Tcb& signaller = running();
    ASSERT_EQ(sys.syscall(signaller, Syscall::call, slot_cnode, label(Invocation::cnode_mint, 6),
                          {slot_notification, 64, first_free_slot, 64, 0x3, 0x10})
                  .status,
              Status::ok);
    EXPECT_EQ(sys.syscall(signaller, Syscall::signal, first_free_slot, {}).status, Status::ok);
    EXPECT_EQ(waiter.state, ThreadState::ready);
    EXPECT_EQ(SimSystem::result_of(waiter).badge, 0x10u);
    // Bound: a signal ends the waiter's endpoint receive.
    ASSERT_EQ(&running(), &waiter);  // woken, and of higher priority
    ASSERT_EQ(sys.syscall(waiter, Syscall::call, slot_tcb_base + thread_count - 1,
                          label(Invocation::tcb_bind_notification, 1), {slot_notification})
                  .status,
              Status::ok);
    sys.syscall(waiter, Syscall::recv, slot_endpoint, {});
    ASSERT_EQ(waiter.state, ThreadState::blocked_recv);
    sys.syscall(running(), Syscall::signal, first_free_slot, {});
    EXPECT_EQ(waiter.state, ThreadState::ready);
    EXPECT_EQ(SimSystem::result_of(waiter).badge, 0x10u);
}

// A VMM whose guest is halted waits on its bound Notification (Kernel::halt,
// what vcpu_run with abi::run_halted does): a signal wakes it and leaves
// the word for its run to take; a deadline wakes it when the time comes,
// not before; meanwhile it is neither running nor queued.
TEST_F(KernelCore, HaltedVmmWakesAtSignalOrDeadline) {
    Kernel& k = sys.kernel();
    Tcb& vmm = running();
    ASSERT_EQ(sys.syscall(vmm, Syscall::call, slot_tcb_base + thread_count - 1,
                          label(Invocation::tcb_bind_notification, 1), {slot_notification})
                  .status,
              Status::ok);
    auto* n = vmm.bound_notification;
    ASSERT_NE(n, nullptr);
    k.halt(vmm, 0);  // no deadline: a signal only
    k.schedule();
    EXPECT_EQ(vmm.state, ThreadState::blocked_notify);
    EXPECT_NE(k.scheduler.running(), &vmm);
    EXPECT_EQ(check_kernel_invariants(sys), "");
    k.signal(*n, 0x4);
    EXPECT_EQ(vmm.state, ThreadState::ready);
    EXPECT_EQ(n->word, 0x4u);  // not taken: the run takes it
    EXPECT_FALSE(vmm.halted);
    n->word = 0;
    ASSERT_EQ(k.schedule(), &vmm);

    const std::uint64_t deadline = arch::clock::now() + 3000;
    k.halt(vmm, deadline);
    k.schedule();
    EXPECT_EQ(arch::clock::sim::armed <= deadline, true);  // the timer comes by then
    SimSystem::advance(2999);
    EXPECT_EQ(vmm.state, ThreadState::blocked_notify);  // not yet
    EXPECT_EQ(check_kernel_invariants(sys), "");
    SimSystem::advance(1);
    EXPECT_EQ(vmm.state, ThreadState::ready);
    EXPECT_EQ(vmm.wake_at, 0u);
    EXPECT_EQ(n->word, 0u);
    EXPECT_EQ(check_kernel_invariants(sys), "");

    // A signal before the deadline takes it out of the sleep list too.
    ASSERT_EQ(k.schedule(), &vmm);
    k.halt(vmm, arch::clock::now() + 500);
    k.schedule();
    k.signal(*n, 0x1);
    EXPECT_EQ(vmm.wake_at, 0u);
    SimSystem::advance(1000);
    EXPECT_EQ(vmm.state, ThreadState::ready);
    EXPECT_EQ(check_kernel_invariants(sys), "");
}

TEST_F(KernelCore, RetypeRevokeAndRetypeAgain) {
    Tcb& t = running();
    const auto ep_kind = static_cast<std::uint64_t>(caps::ObjectKind::endpoint);
    auto retype = [&](std::uint64_t count) {
        return sys
            .syscall(t, Syscall::call, slot_untyped, label(Invocation::untyped_retype, 5),
                     {ep_kind, 0, slot_cnode, first_free_slot, count})
            .status;
    };
    ASSERT_EQ(retype(8), Status::ok);
    EXPECT_EQ(sys.slot(first_free_slot + 7).cap.kind, caps::ObjectKind::endpoint);
    EXPECT_EQ(retype(1), Status::slot_occupied);
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_cnode, label(Invocation::cnode_revoke, 2), {slot_untyped, 64}).status,
              Status::ok);
    EXPECT_TRUE(sys.slot(first_free_slot).empty());
    EXPECT_EQ(retype(8), Status::ok);
    // Too few words, an unknown kind, a count beyond the CNode.
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_untyped, label(Invocation::untyped_retype, 4),
                          {ep_kind, 0, slot_cnode, first_free_slot})
                  .status,
              Status::invalid_argument);
    EXPECT_NE(
        sys.syscall(t, Syscall::call, slot_untyped, label(Invocation::untyped_retype, 5), {999, 0, slot_cnode, 100, 1})
            .status,
        Status::ok);
    EXPECT_NE(sys.syscall(t, Syscall::call, slot_untyped, label(Invocation::untyped_retype, 5),
                          {ep_kind, 0, slot_cnode, 250, 10})
                  .status,
              Status::ok);
}

TEST_F(KernelCore, PageFaultGoesToTheFaultEndpointAndResumes) {
    Kernel& k = sys.kernel();
    Tcb& handler = running();
    Tcb& victim = sys.thread(0);
    // Configure the victim with the endpoint as its fault endpoint.
    ASSERT_EQ(sys.syscall(handler, Syscall::call, slot_tcb_base, label(Invocation::tcb_configure, 5),
                          {slot_cnode, slot_vspace, slot_ipc_buffer_base, ipc_buffer_address, slot_endpoint})
                  .status,
              Status::ok);
    // Only the victim is left to run once the handler waits.
    for (unsigned i = 1; i + 1 < thread_count; ++i) {
        ASSERT_EQ(sys.syscall(handler, Syscall::call, slot_tcb_base + i, label(Invocation::tcb_suspend, 0)).status,
                  Status::ok);
    }
    sys.syscall(handler, Syscall::recv, slot_endpoint, {});
    ASSERT_EQ(handler.state, ThreadState::blocked_recv);
    ASSERT_EQ(&running(), &victim);
    victim.context.rip = 0x401000;
    victim.context.rdx = 0xfeed;  // a live register the fault must not clobber
    k.handle_user_exception(14, 0x6, 0xdead000);
    EXPECT_EQ(victim.state, ThreadState::blocked_reply);
    EXPECT_EQ(victim.context.rdx, 0xfeedu);
    auto msg = SimSystem::result_of(handler);
    EXPECT_EQ(msg.info.label, static_cast<std::uint64_t>(septum::abi::Fault::page_fault));
    EXPECT_EQ(msg.mr[0], 0x401000u);
    EXPECT_EQ(msg.mr[1], 0xdead000u);
    EXPECT_EQ(msg.mr[2], 0x6u);
    // Resume at a new address.
    ASSERT_EQ(&running(), &handler);
    sys.syscall(handler, Syscall::reply_recv, slot_endpoint, MessageInfo{0, 1, 0}, {0x402000});
    EXPECT_EQ(victim.state, ThreadState::ready);
    EXPECT_EQ(victim.context.rip, 0x402000u);
    EXPECT_EQ(victim.context.rdx, 0xfeedu);
}

TEST_F(KernelCore, FaultWithoutHandlerSuspends) {
    Kernel& k = sys.kernel();
    Tcb& t = running();
    k.handle_user_exception(6, 0, 0);
    EXPECT_EQ(t.state, ThreadState::inactive);
}

TEST_F(KernelCore, WriteRegistersRefusesKernelAddresses) {
    Tcb& t = running();
    const auto write = [&](std::uint64_t rip) {
        return sys
            .syscall(t, Syscall::call, slot_tcb_base, label(Invocation::tcb_write_registers, 6),
                     {rip, 0x7000, 0, 0, 0, 0})
            .status;
    };
    EXPECT_EQ(write(0xffffffff80100000), Status::invalid_argument);
    EXPECT_EQ(write(0x0000800000000000), Status::invalid_argument);
    EXPECT_EQ(write(0), Status::invalid_argument);
    EXPECT_EQ(write(0x400000), Status::ok);
}

TEST_F(KernelCore, BudgetThrottlesAndReplenishes) {
    Kernel& k = sys.kernel();
    Tcb& t = running();
    ASSERT_EQ(
        sys.syscall(t, Syscall::call, slot_sched_context, label(Invocation::sched_context_configure, 2), {2000, 10000})
            .status,
        Status::ok);
    ASSERT_EQ(sys.syscall(t, Syscall::call, slot_tcb_base + thread_count - 1,
                          label(Invocation::tcb_set_sched_context, 1), {slot_sched_context})
                  .status,
              Status::ok);
    EXPECT_EQ(
        sys.syscall(t, Syscall::call, slot_sched_context, label(Invocation::sched_context_configure, 2), {11000, 10000})
            .status,
        Status::invalid_argument);
    unsigned ran = 0;
    for (unsigned tick = 0; tick < 30; ++tick) {
        ran += k.schedule() == &t ? 1 : 0;
        sim::SimSystem::advance(1000);
        ASSERT_EQ(check_kernel_invariants(sys), "");
    }
    // 2 ms of budget in each 10 ms period, over 30 ms in steps of 1 ms.
    EXPECT_LE(ran, 7u);
    EXPECT_GE(ran, 4u);
}

TEST_F(KernelCore, InterruptSignalsItsNotification) {
    Tcb& t = running();
    ASSERT_EQ(
        sys.syscall(t, Syscall::call, slot_irq, label(Invocation::irq_handler_set_notification, 1), {slot_notification})
            .status,
        Status::ok);
    EXPECT_FALSE(arch::pic::sim::masked[4]);
    sys.syscall(t, Syscall::wait, slot_notification, {});
    ASSERT_EQ(t.state, ThreadState::blocked_notify);
    arch::raise(arch::pic::vector_base + 4);
    EXPECT_EQ(t.state, ThreadState::ready);
    EXPECT_TRUE(arch::pic::sim::masked[4]);  // until acknowledged
    ASSERT_EQ(&running(), &t);
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_irq, label(Invocation::irq_handler_ack, 0)).status, Status::ok);
    EXPECT_FALSE(arch::pic::sim::masked[4]);
}

TEST_F(KernelCore, IoPortsOnlyInsideTheRange) {
    Tcb& t = running();
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_ports, label(Invocation::io_port_out, 3), {0x3f8, 1, 'x'}).status,
              Status::ok);
    EXPECT_EQ(arch::sim::ports[0x3f8], 'x');
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_ports, label(Invocation::io_port_out, 3), {0x3f7, 1, 'x'}).status,
              Status::invalid_argument);
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_ports, label(Invocation::io_port_out, 3), {0x3fe, 4, 0}).status,
              Status::invalid_argument);
    EXPECT_EQ(sys.syscall(t, Syscall::call, slot_ports, label(Invocation::io_port_out, 3), {0x3f8, 3, 0}).status,
              Status::invalid_argument);
}

}  // namespace

namespace {

// Mappings belong to the capability that made them.
class Mapped : public KernelCore {
protected:
    static constexpr std::uint64_t va = 0x10000000;
    static constexpr std::uint64_t frame = 40, pml4 = 41, pdpt = 42, pd = 43, pt = 44, pml4_untyped = 45;

    Status retype(std::uint64_t untyped, caps::ObjectKind kind, std::uint64_t size, std::uint64_t slot) {
        return sys
            .syscall(running(), Syscall::call, untyped, label(Invocation::untyped_retype, 5),
                     {static_cast<std::uint64_t>(kind), size, slot_cnode, slot, 1})
            .status;
    }
    Status call(std::uint64_t cap, Invocation op, std::initializer_list<std::uint64_t> args) {
        return sys.syscall(running(), Syscall::call, cap, label(op, static_cast<std::uint8_t>(args.size())), args)
            .status;
    }
    std::uint64_t phys(std::uint64_t slot) { return sys.slot(slot).cap.object; }
    std::uint64_t translate() { return arch::vspace::translate(phys(pml4), va); }

    // A frame mapped at va in a fresh address space, whose PML4 comes from
    // a small Untyped of its own (so its memory can be reused).
    void SetUp() override {
        ASSERT_EQ(retype(slot_untyped, caps::ObjectKind::frame_4k, 0, frame), Status::ok);
        ASSERT_EQ(retype(slot_untyped, caps::ObjectKind::pdpt, 0, pdpt), Status::ok);
        ASSERT_EQ(retype(slot_untyped, caps::ObjectKind::page_directory, 0, pd), Status::ok);
        ASSERT_EQ(retype(slot_untyped, caps::ObjectKind::page_table, 0, pt), Status::ok);
        ASSERT_EQ(retype(slot_untyped, caps::ObjectKind::untyped, 12, pml4_untyped), Status::ok);
        ASSERT_EQ(retype(pml4_untyped, caps::ObjectKind::pml4, 0, pml4), Status::ok);
        for (std::uint64_t table = pdpt; table <= pt; ++table) {
            ASSERT_EQ(call(table, Invocation::page_table_map, {pml4, va}), Status::ok);
        }
        ASSERT_EQ(call(frame, Invocation::frame_map, {pml4, va, 3}), Status::ok);
        ASSERT_EQ(translate(), phys(frame));
    }
};

TEST_F(Mapped, RevokingACopyUnmapsWhatTheCopyMapped) {
    // A copy (as given to another cell) maps the frame a second time.
    ASSERT_EQ(call(slot_cnode, Invocation::cnode_copy, {frame, 64, 50, 64}), Status::ok);
    const std::uint64_t va2 = va + 0x1000;
    ASSERT_EQ(call(50, Invocation::frame_map, {pml4, va2, 3}), Status::ok);
    EXPECT_EQ(arch::vspace::translate(phys(pml4), va2), phys(frame));
    EXPECT_EQ(call(50, Invocation::frame_map, {pml4, va2 + 0x1000, 3}), Status::slot_occupied);
    // Taking the copy back takes its mapping, and only that one.
    ASSERT_EQ(call(slot_cnode, Invocation::cnode_revoke, {frame, 64}), Status::ok);
    EXPECT_TRUE(sys.slot(50).empty());
    EXPECT_EQ(arch::vspace::translate(phys(pml4), va2), ~std::uint64_t{0});
    EXPECT_EQ(translate(), phys(frame));
    // Unmap by the original.
    ASSERT_EQ(call(frame, Invocation::frame_unmap, {}), Status::ok);
    EXPECT_EQ(translate(), ~std::uint64_t{0});
}

TEST_F(Mapped, DeletingATableCapabilityUnmapsTheTable) {
    ASSERT_EQ(call(slot_cnode, Invocation::cnode_delete, {pt, 64}), Status::ok);
    EXPECT_EQ(translate(), ~std::uint64_t{0});
}

// A PML4 destroyed and remade in the same memory: mappings made in the old
// address space must not count in the new one (found by the in-system test
// vspace.pml4-reuse).
TEST_F(Mapped, MappingsDieWithTheirAddressSpace) {
    Kernel& k = sys.kernel();
    const std::uint64_t old_pml4 = phys(pml4);
    EXPECT_TRUE(k.mapping_alive(sys.slot(frame).cap));
    ASSERT_EQ(call(slot_cnode, Invocation::cnode_delete, {pml4, 64}), Status::ok);
    EXPECT_FALSE(k.mapping_alive(sys.slot(frame).cap));
    ASSERT_EQ(retype(pml4_untyped, caps::ObjectKind::pml4, 0, pml4), Status::ok);
    ASSERT_EQ(phys(pml4), old_pml4);
    EXPECT_FALSE(k.mapping_alive(sys.slot(frame).cap));
    // The frame maps again; the new address space has no tables yet.
    EXPECT_EQ(call(frame, Invocation::frame_map, {pml4, va, 3}), Status::depth_mismatch);
    EXPECT_EQ(call(pt, Invocation::page_table_map, {pml4, va}), Status::depth_mismatch);
}

}  // namespace

namespace {

// A thread whose only TCB capability sits in a CNode that was deleted goes
// away on the following timer ticks, without anybody's further syscall.
TEST_F(KernelCore, TicksFinishPendingDestruction) {
    Kernel& k = sys.kernel();
    Tcb& t = running();
    const auto cnode_kind = static_cast<std::uint64_t>(caps::ObjectKind::cnode);
    ASSERT_EQ(sys.syscall(t, Syscall::call, slot_untyped, label(Invocation::untyped_retype, 5),
                          {cnode_kind, 10, slot_cnode, 40, 1})
                  .status,
              Status::ok);
    // Thread 0's only TCB capability goes into the new CNode's last slot,
    // which the reaper reaches only after more than one bounded step.
    ASSERT_EQ(k.authority.move(sys.slot(slot_tcb_base), k.cnode_slots(sys.slot(40).cap.object)[1023]), Status::ok);
    Tcb& victim = sys.thread(0);
    ASSERT_EQ(victim.state, ThreadState::ready);
    ASSERT_EQ(sys.syscall(t, Syscall::call, slot_cnode, label(Invocation::cnode_delete, 2), {40, 64}).status,
              Status::ok);
    ASSERT_TRUE(k.authority.destruction_pending());
    EXPECT_EQ(victim.state, ThreadState::ready);
    for (unsigned i = 0; i < 32 && victim.state != ThreadState::inactive; ++i) {
        sim::SimSystem::advance(1000);
    }
    EXPECT_EQ(victim.state, ThreadState::inactive);
    EXPECT_FALSE(k.authority.destruction_pending());
}

}  // namespace
