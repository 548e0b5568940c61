// CSpace operations through CNode invocations: copy, mint, move, mutate,
// delete, revoke, addressing through two levels, and revoking a CNode that
// a thread is using as its CSpace.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using abi::Invocation;
using caps::ObjectKind;
using user::invoke;

Status cnode_op(Invocation op, std::initializer_list<std::uint64_t> args) {
    return invoke(root_cnode, op, args).status;
}

// Whether the slot holds a usable Endpoint capability: NBSend to an
// endpoint without a receiver succeeds and does nothing.
Status probe_endpoint(CPtr slot) { return user::nb_send(slot, user::message(1, {})).status; }

void copy_mint_rights(Env& env) {
    const char* name = "cspace.copy-mint";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> a = env.slot();
    const Result<CPtr> b = env.slot();
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(a, name, "slot") ||
        !env.report->setup(b, name, "slot")) {
        return;
    }
    const Status copied = cnode_op(Invocation::cnode_copy, {ep.value(), 64, a.value(), 64});
    const Status occupied = cnode_op(Invocation::cnode_copy, {ep.value(), 64, a.value(), 64});
    const Status works = probe_endpoint(a.value());
    // A receive-only copy cannot send.
    const Status minted = cnode_op(Invocation::cnode_mint, {a.value(), 64, b.value(), 64, right_read, 0});
    const Status send = probe_endpoint(b.value());
    env.report->check(copied == Status::ok && occupied == Status::slot_occupied && works == Status::ok &&
                          minted == Status::ok && send == Status::insufficient_rights,
                      name,
                      "copy {}, again into the same slot {}, send through the copy {}; read-only mint {}, send {}",
                      user::status_name(copied), user::status_name(occupied), user::status_name(works),
                      user::status_name(minted), user::status_name(send));
}

void move_mutate_delete(Env& env) {
    const char* name = "cspace.move-mutate-delete";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> a = env.slot();
    const Result<CPtr> b = env.slot();
    const Result<CPtr> c = env.slot();
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(a, name, "slot") ||
        !env.report->setup(b, name, "slot") || !env.report->setup(c, name, "slot")) {
        return;
    }
    const Status copied = cnode_op(Invocation::cnode_copy, {ep.value(), 64, a.value(), 64});
    const Status moved = cnode_op(Invocation::cnode_move, {a.value(), 64, b.value(), 64});
    const Status old_slot = probe_endpoint(a.value());
    const Status new_slot = probe_endpoint(b.value());
    // The original has a child (the moved copy): mutating it is refused.
    const Status parent = cnode_op(Invocation::cnode_mutate, {ep.value(), 64, c.value(), 64, rights_all, 0x5});
    const Status leaf = cnode_op(Invocation::cnode_mutate, {b.value(), 64, c.value(), 64, right_write, 0x5});
    const Status after_mutate = probe_endpoint(b.value());
    const Status deleted = cnode_op(Invocation::cnode_delete, {c.value(), 64});
    const Status again = cnode_op(Invocation::cnode_delete, {c.value(), 64});
    const bool ok = copied == Status::ok && moved == Status::ok && old_slot == Status::empty_slot &&
                    new_slot == Status::ok && parent == Status::has_children && leaf == Status::ok &&
                    after_mutate == Status::empty_slot && deleted == Status::ok && again == Status::empty_slot;
    env.report->check(ok, name, "move {} (old slot {}, new {}); mutate with children {}, leaf {}; delete {}, again {}",
                      user::status_name(moved), user::status_name(old_slot), user::status_name(new_slot),
                      user::status_name(parent), user::status_name(leaf), user::status_name(deleted),
                      user::status_name(again));
}

void revoke(Env& env) {
    const char* name = "cspace.revoke";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    if (!env.report->setup(ep, name, "endpoint")) {
        return;
    }
    const Result<CPtr> child = env.mint(ep.value(), rights_all, 0x10);
    const Result<CPtr> grandchild = child.ok() ? env.copy(child.value()) : Result<CPtr>(Status::empty_slot);
    if (!env.report->setup(grandchild, name, "copies")) {
        return;
    }
    const Status revoked = cnode_op(Invocation::cnode_revoke, {ep.value(), 64});
    const Status c = probe_endpoint(child.value());
    const Status g = probe_endpoint(grandchild.value());
    const Status original = probe_endpoint(ep.value());
    env.report->check(
        revoked == Status::ok && c == Status::empty_slot && g == Status::empty_slot && original == Status::ok, name,
        "revoke {}: child {}, grandchild {}, the original {}", user::status_name(revoked), user::status_name(c),
        user::status_name(g), user::status_name(original));
}

// Through the alias of the root CNode, addresses reach into a second-level
// CNode; guards and depths are checked on the way.
void two_level(Env& env) {
    const char* name = "cspace.two-level";
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> cnode = env.make(ObjectKind::cnode, second_level_radix);
    const Result<CPtr> back = env.slot();
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(cnode, name, "cnode") ||
        !env.report->setup(back, name, "slot")) {
        return;
    }
    const std::uint64_t inner = second_level(cnode.value(), 5);
    const Status in = invoke(env.alias, Invocation::cnode_copy, {ep.value(), alias_root_depth, inner, 64}).status;
    const Status out = invoke(env.alias, Invocation::cnode_copy, {inner, 64, back.value(), alias_root_depth}).status;
    const Status works = probe_endpoint(back.value());
    // The same slot with a depth that stops inside the second level, or
    // goes past it, and an address whose guard bits are wrong.
    const Status short_depth = invoke(env.alias, Invocation::cnode_delete, {inner >> 2, alias_root_depth + 6}).status;
    const Status guard = invoke(env.alias, Invocation::cnode_delete, {inner | (1ull << 63), 64}).status;
    const Status deep = invoke(env.alias, Invocation::cnode_delete, {inner, 65}).status;
    const bool ok = in == Status::ok && out == Status::ok && works == Status::ok &&
                    short_depth == Status::depth_mismatch && guard == Status::guard_mismatch &&
                    deep == Status::out_of_range;
    env.report->check(ok, name, "copy in {}, back out {} (send: {}); depth 62 {}, guard bit set {}, depth 65 {}",
                      user::status_name(in), user::status_name(out), user::status_name(works),
                      user::status_name(short_depth), user::status_name(guard), user::status_name(deep));
}

// A thread whose CSpace capability is revoked loses every capability at
// once, even while it is blocked.
struct Orphan {
    CPtr wake = 0;  // in its CSpace, while it has one
    CPtr endpoint = 0;
    CPtr ready = 0;
    CPtr done = 0;
    volatile Status after = Status::preempted;
    volatile bool finished = false;
};

void orphan(std::uint64_t arg) {
    auto& o = *reinterpret_cast<Orphan*>(arg);
    (void)user::wait(o.wake);
    o.after = user::nb_send(o.endpoint, user::message(1, {})).status;
    o.finished = true;
    fault_ud2();  // no fault endpoint: the kernel stops the thread
}

// Runs below the orphan: once it has blocked, and again once it has stopped.
void witness(std::uint64_t arg) {
    const auto& o = *reinterpret_cast<const Orphan*>(arg);
    (void)user::signal(o.ready);
    while (!o.finished) {
        user::yield();
    }
    (void)user::signal(o.done);
}

void revoke_in_use(Env& env) {
    const char* name = "cspace.revoke-in-use";
    Badged wake, ready, done;
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> cspace = env.copy(root_cnode);
    if (!env.report->setup(ep, name, "endpoint") || !env.report->setup(cspace, name, "cspace copy") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, wake), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, ready), name, "notification") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification")) {
        return;
    }
    Orphan o;
    o.wake = wake.object;
    o.endpoint = ep.value();
    o.ready = ready.badged;
    o.done = done.badged;
    user::Thread t, wt;
    if (!env.report->setup(t.create(*env.pool, user::ThreadSpec{cspace.value(), root_vspace, env.next_window++, 100}),
                           name, "thread") ||
        !env.report->setup(t.start(orphan, reinterpret_cast<std::uint64_t>(&o)), name, "start") ||
        !env.report->setup(env.spawn(wt, witness, &o, 50), name, "witness")) {
        return;
    }
    (void)user::wait(ready.object);  // the orphan waits on `wake`
    const Status revoked = invoke(root_cnode, Invocation::cnode_revoke, {cspace.value(), 64}).status;
    (void)user::signal(wake.badged);
    (void)user::wait(done.object);
    env.report->check(
        revoked == Status::ok && o.after == Status::wrong_kind, name,
        "revoke of its CSpace capability {}; the woken thread's next send: {} (want wrong_kind: no CSpace)",
        user::status_name(revoked), user::status_name(o.after));
}

const TestCase group[] = {
    {"cspace.copy-mint", copy_mint_rights},
    {"cspace.move-mutate-delete", move_mutate_delete},
    {"cspace.revoke", revoke},
    {"cspace.two-level", two_level},
    {"cspace.revoke-in-use", revoke_in_use},
};

}  // namespace

SEPTUM_TEST_GROUP(cspace_tests, group);

}  // namespace septum::roottask
