// Error paths of the object invocations (abi/invocation.hpp): unknown
// labels, too few arguments, and each argument check of TCB, CNode, Frame,
// paging-structure and I/O port invocations.
#include "common.hpp"
#include "registry.hpp"
#include "septum/caps/capability.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using abi::Invocation;
using caps::ObjectKind;
using user::invoke;

Status inv(CPtr cap, Invocation op, std::initializer_list<std::uint64_t> args) { return invoke(cap, op, args).status; }
Status label(CPtr cap, std::uint64_t raw_label) {
    return user::call(cap, user::message(raw_label, {0, 0, 0, 0})).status;
}

constexpr std::uint64_t kernel_address = 0xffff800000000000;
constexpr std::uint64_t non_canonical = 0x0000800000000000;

void label_errors(Env& env) {
    const char* name = "error.invoke-label";
    const Result<CPtr> sc = env.make(ObjectKind::sched_context);
    const Result<CPtr> pt = env.make(ObjectKind::page_table);
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> n = env.make(ObjectKind::notification);
    const Result<CPtr> reply = env.make(ObjectKind::reply);
    if (!env.report->setup(reply, name, "objects") || !env.report->setup(sc, name, "objects") ||
        !env.report->setup(pt, name, "objects") || !env.report->setup(frame, name, "objects") ||
        !env.report->setup(n, name, "objects")) {
        return;
    }
    const CPtr irq = env.bi->irqs.first;
    const ErrorCase paths[] = {
        {"TCB, label 0", label(root_tcb, 0), Status::invalid_argument},
        {"TCB, label 999", label(root_tcb, 999), Status::invalid_argument},
        {"TCB, a CNode label", label(root_tcb, static_cast<std::uint64_t>(Invocation::cnode_copy)),
         Status::invalid_argument},
        {"CNode, a TCB label", label(root_cnode, static_cast<std::uint64_t>(Invocation::tcb_resume)),
         Status::invalid_argument},
        {"Untyped, a Frame label", label(env.pool->untyped(), static_cast<std::uint64_t>(Invocation::frame_map)),
         Status::invalid_argument},
        {"Frame, label 999", label(frame.value(), 999), Status::invalid_argument},
        {"PageTable, a Frame label", label(pt.value(), static_cast<std::uint64_t>(Invocation::frame_unmap)),
         Status::invalid_argument},
        {"IOPortRange, label 999", label(root_io_ports, 999), Status::invalid_argument},
        {"a Notification (call)", label(n.value(), 1), Status::wrong_kind},
        {"SchedContext, label 999", label(sc.value(), 999), Status::invalid_argument},
        {"IRQHandler, a TCB label", label(irq, static_cast<std::uint64_t>(Invocation::tcb_resume)),
         Status::invalid_argument},
        {"a Reply object (no invocations)", label(reply.value(), 1), Status::wrong_kind},
    };
    check_cases(env, name, paths);
}

// Each invocation with one argument fewer than it needs.
void too_few_errors(Env& env) {
    const char* name = "error.too-few-arguments";
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> pt = env.make(ObjectKind::page_table);
    const Result<CPtr> tcb = env.make(ObjectKind::tcb);
    if (!env.report->setup(frame, name, "objects") || !env.report->setup(pt, name, "objects") ||
        !env.report->setup(tcb, name, "objects")) {
        return;
    }
    const CPtr u = env.pool->untyped();
    const CPtr t = tcb.value();
    const Status s = Status::invalid_argument;
    const ErrorCase paths[] = {
        {"untyped_retype", inv(u, Invocation::untyped_retype, {4, 0, root_cnode, 0}), s},
        {"cnode_copy", inv(root_cnode, Invocation::cnode_copy, {1, 64, 0}), s},
        {"cnode_mint", inv(root_cnode, Invocation::cnode_mint, {1, 64, 0, 64, 0x1f}), s},
        {"cnode_move", inv(root_cnode, Invocation::cnode_move, {1, 64, 0}), s},
        {"cnode_mutate", inv(root_cnode, Invocation::cnode_mutate, {1, 64, 0, 64, 0x1f}), s},
        {"cnode_delete", inv(root_cnode, Invocation::cnode_delete, {0}), s},
        {"cnode_revoke", inv(root_cnode, Invocation::cnode_revoke, {0}), s},
        {"tcb_configure", inv(t, Invocation::tcb_configure, {root_cnode, root_vspace, 0, 0}), s},
        {"tcb_write_registers", inv(t, Invocation::tcb_write_registers, {0x400000, 0x500000, 0, 0, 0}), s},
        {"tcb_set_priority", inv(t, Invocation::tcb_set_priority, {}), s},
        {"tcb_bind_notification", inv(t, Invocation::tcb_bind_notification, {}), s},
        {"frame_map", inv(frame.value(), Invocation::frame_map, {root_vspace, scratch(30)}), s},
        {"page_table_map", inv(pt.value(), Invocation::page_table_map, {root_vspace}), s},
        {"io_port_in", inv(root_io_ports, Invocation::io_port_in, {0x80}), s},
        {"io_port_out", inv(root_io_ports, Invocation::io_port_out, {0x80, 1}), s},
    };
    check_cases(env, name, paths);
}

void cnode_errors(Env& env) {
    const char* name = "error.cnode";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> a = env.slot();
    const Result<CPtr> empty = env.slot();
    if (!env.report->setup(ep, name, "objects") || !env.report->setup(frame, name, "objects") ||
        !env.report->setup(a, name, "objects") || !env.report->setup(empty, name, "objects")) {
        return;
    }
    const CPtr d = a.value(), e = empty.value();
    const ErrorCase paths[] = {
        {"copy from an empty slot", inv(root_cnode, Invocation::cnode_copy, {e, 64, d, 64}), Status::empty_slot},
        {"copy to an occupied slot", inv(root_cnode, Invocation::cnode_copy, {ep.value(), 64, root_tcb, 64}),
         Status::slot_occupied},
        {"copy an Untyped", inv(root_cnode, Invocation::cnode_copy, {env.pool->untyped(), 64, d, 64}),
         Status::not_derivable},
        {"copy with depth 0", inv(root_cnode, Invocation::cnode_copy, {ep.value(), 0, d, 64}), Status::out_of_range},
        {"copy with bits above the depth", inv(root_cnode, Invocation::cnode_copy, {ep.value(), 64, 1ull << 20, 20}),
         Status::out_of_range},
        {"mint with undefined rights", inv(root_cnode, Invocation::cnode_mint, {ep.value(), 64, d, 64, 0x20, 0}),
         Status::invalid_argument},
        {"mint a Frame with data", inv(root_cnode, Invocation::cnode_mint, {frame.value(), 64, d, 64, 0x1f, 7}),
         Status::invalid_argument},
        {"mint a CNode with a guard too wide",
         inv(root_cnode, Invocation::cnode_mint, {root_cnode, 64, d, 64, 0x1f, caps::encode_guard(0, 52)}),
         Status::invalid_argument},
        {"mint a CNode with a guard value wider than its bits",
         inv(root_cnode, Invocation::cnode_mint, {root_cnode, 64, d, 64, 0x1f, caps::encode_guard(4, 2)}),
         Status::invalid_argument},
        {"move from an empty slot", inv(root_cnode, Invocation::cnode_move, {e, 64, d, 64}), Status::empty_slot},
        {"move to an occupied slot", inv(root_cnode, Invocation::cnode_move, {ep.value(), 64, frame.value(), 64}),
         Status::slot_occupied},
        {"mutate from an empty slot", inv(root_cnode, Invocation::cnode_mutate, {e, 64, d, 64, 0x1f, 0}),
         Status::empty_slot},
        {"delete an empty slot", inv(root_cnode, Invocation::cnode_delete, {e, 64}), Status::empty_slot},
        {"revoke an empty slot", inv(root_cnode, Invocation::cnode_revoke, {e, 64}), Status::empty_slot},
    };
    check_cases(env, name, paths);
}

void tcb_errors(Env& env) {
    const char* name = "error.tcb";
    const Result<CPtr> tcb = env.make(ObjectKind::tcb);
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> n = env.make(ObjectKind::notification);
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> n_write = n.ok() ? env.mint(n.value(), right_write, 0) : Result<CPtr>(Status::empty_slot);
    const Result<CPtr> empty = env.slot();
    if (!env.report->setup(tcb, name, "objects") || !env.report->setup(ep, name, "objects") ||
        !env.report->setup(frame, name, "objects") || !env.report->setup(n_write, name, "objects") ||
        !env.report->setup(empty, name, "objects")) {
        return;
    }
    const CPtr t = tcb.value(), f = frame.value(), e = empty.value();
    const auto configure = [&](CPtr cs, CPtr vs, CPtr buf, std::uint64_t addr, CPtr fault) {
        return inv(t, Invocation::tcb_configure, {cs, vs, buf, addr, fault});
    };
    const auto regs = [&](CPtr target, std::uint64_t rip, std::uint64_t rsp) {
        return inv(target, Invocation::tcb_write_registers, {rip, rsp, 0, 0, 0, 0});
    };
    const Status bad = Status::invalid_argument;
    const ErrorCase paths[] = {
        {"resume before configure", inv(t, Invocation::tcb_resume, {}), bad},
        {"configure: CSpace an Endpoint", configure(ep.value(), root_vspace, 0, 0, 0), Status::wrong_kind},
        {"configure: VSpace a CNode", configure(root_cnode, root_cnode, 0, 0, 0), Status::wrong_kind},
        {"configure: buffer an Endpoint", configure(root_cnode, root_vspace, ep.value(), scratch(31), 0),
         Status::wrong_kind},
        {"configure: fault endpoint a Notification", configure(root_cnode, root_vspace, 0, 0, n.value()),
         Status::wrong_kind},
        {"configure: empty slot", configure(e, root_vspace, 0, 0, 0), Status::empty_slot},
        {"configure: buffer at a kernel address", configure(root_cnode, root_vspace, f, kernel_address, 0), bad},
        {"configure: buffer not page-aligned", configure(root_cnode, root_vspace, f, scratch(31) + 8, 0), bad},
        {"configure: buffer at 0", configure(root_cnode, root_vspace, f, 0, 0), bad},
        {"write_registers: rip in the kernel", regs(t, 0xffffffff80100000, 0x10000), bad},
        {"write_registers: rip non-canonical", regs(t, non_canonical, 0x10000), bad},
        {"write_registers: rip 0", regs(t, 0, 0x10000), bad},
        {"write_registers: rip in the last user page", regs(t, 0x00007ffffffff000, 0x10000), bad},
        {"write_registers: rsp non-canonical", regs(t, 0x400000, non_canonical + 8), bad},
        {"write_registers: the caller itself", regs(root_tcb, 0x400000, 0x10000), bad},
        {"set_priority 256", inv(t, Invocation::tcb_set_priority, {256}), bad},
        {"bind: an Endpoint", inv(t, Invocation::tcb_bind_notification, {ep.value()}), Status::wrong_kind},
        {"bind: without read", inv(t, Invocation::tcb_bind_notification, {n_write.value()}),
         Status::insufficient_rights},
        {"bind: empty slot", inv(t, Invocation::tcb_bind_notification, {e}), Status::empty_slot},
        {"configure after all that", configure(root_cnode, root_vspace, 0, 0, 0), Status::ok},
    };
    check_cases(env, name, paths);
}

void frame_map_errors(Env& env) {
    const char* name = "error.frame-map";
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> large = env.make(ObjectKind::frame_2m);
    const Result<CPtr> other = env.map_new(scratch(40), user::rw);
    const Result<CPtr> empty = env.slot();
    if (!env.report->setup(frame, name, "objects") || !env.report->setup(large, name, "objects") ||
        !env.report->setup(other, name, "objects") || !env.report->setup(empty, name, "objects")) {
        return;
    }
    const CPtr f = frame.value();
    const auto map = [&](CPtr cap, CPtr vspace, std::uint64_t address, std::uint64_t rights) {
        return inv(cap, Invocation::frame_map, {vspace, address, rights});
    };
    const Status bad = Status::invalid_argument;
    const ErrorCase paths[] = {
        {"kernel address", map(f, root_vspace, kernel_address, user::rw), bad},
        {"top of the kernel", map(f, root_vspace, 0xfffffffffffff000, user::rw), bad},
        {"non-canonical address", map(f, root_vspace, non_canonical, user::rw), bad},
        {"address 0", map(f, root_vspace, 0, user::rw), bad},
        {"unaligned address", map(f, root_vspace, scratch(41) + 0x10, user::rw), bad},
        {"2 MiB frame at a 4 KiB boundary", map(large.value(), root_vspace, scratch_base + 0x1000, user::rw), bad},
        {"undefined rights bits", map(f, root_vspace, scratch(41), 0x40), bad},
        {"no page table there", map(f, root_vspace, 0x0000700000000000, user::rw), Status::depth_mismatch},
        {"address already mapped", map(f, root_vspace, scratch(40), user::rw), Status::slot_occupied},
        {"vspace a CNode", map(f, root_cnode, scratch(41), user::rw), Status::wrong_kind},
        {"vspace an empty slot", map(f, empty.value(), scratch(41), user::rw), Status::empty_slot},
        {"frame already mapped", map(other.value(), root_vspace, scratch(41), user::rw), Status::slot_occupied},
        {"unmap of an unmapped frame", inv(f, Invocation::frame_unmap, {}), Status::ok},
    };
    check_cases(env, name, paths);
}

void page_table_map_errors(Env& env) {
    const char* name = "error.page-table-map";
    const Result<CPtr> pt = env.make(ObjectKind::page_table);
    const Result<CPtr> pd = env.make(ObjectKind::page_directory);
    const Result<CPtr> other = env.map_new(scratch(50), user::rw);
    if (!env.report->setup(pt, name, "objects") || !env.report->setup(pd, name, "objects") ||
        !env.report->setup(other, name, "objects")) {
        return;
    }
    const auto map = [&](CPtr cap, CPtr vspace, std::uint64_t address) {
        return inv(cap, Invocation::page_table_map, {vspace, address});
    };
    const ErrorCase paths[] = {
        {"kernel address", map(pt.value(), root_vspace, kernel_address), Status::invalid_argument},
        {"non-canonical address", map(pt.value(), root_vspace, non_canonical), Status::invalid_argument},
        {"page directory without a PDPT", map(pd.value(), root_vspace, 0x0000700000000000), Status::depth_mismatch},
        {"page table where one is", map(pt.value(), root_vspace, scratch(50)), Status::slot_occupied},
        {"vspace a Frame", map(pt.value(), other.value(), scratch(50)), Status::wrong_kind},
    };
    check_cases(env, name, paths);
}

void io_port_errors(Env& env) {
    const auto in = [](std::uint64_t port, std::uint64_t width) {
        return inv(root_io_ports, Invocation::io_port_in, {port, width});
    };
    const ErrorCase paths[] = {
        {"width 0", in(0x80, 0), Status::invalid_argument},
        {"width 3", in(0x80, 3), Status::invalid_argument},
        {"width 8", in(0x80, 8), Status::invalid_argument},
        {"port 0x10000", in(0x10000, 1), Status::invalid_argument},
        {"a word at 0xffff", in(0xffff, 2), Status::invalid_argument},
        {"out: width 3", inv(root_io_ports, Invocation::io_port_out, {0x80, 3, 0}), Status::invalid_argument},
    };
    check_cases(env, "error.io-port", paths);
}

const TestCase group[] = {
    {"error.invoke-label", label_errors},  {"error.too-few-arguments", too_few_errors},
    {"error.cnode", cnode_errors},         {"error.tcb", tcb_errors},
    {"error.frame-map", frame_map_errors}, {"error.page-table-map", page_table_map_errors},
    {"error.io-port", io_port_errors},
};

}  // namespace

SEPTUM_TEST_GROUP(error_invoke_tests, group);

}  // namespace septum::roottask
