// Retype and revoke of real objects: an Untyped fills up, refuses what
// does not fit, is reused after revoke, and never hands out memory that a
// live object still holds.
#include "common.hpp"
#include "registry.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using abi::Invocation;
using caps::ObjectKind;
using user::invoke;
using user::raw_kind;

constexpr std::uint64_t small_bits = 16;  // 64 KiB: 16 frames
constexpr std::uint64_t frames_in_small = 16;

// count objects of kind from `untyped` into fresh consecutive slots.
Status retype(Env& env, CPtr untyped, ObjectKind kind, std::uint64_t size_arg, std::uint64_t count,
              CPtr* first = nullptr) {
    const Result<CPtr> start = env.slot();
    SEPTUM_TRY(start);
    for (std::uint64_t i = 1; i < count; ++i) {
        SEPTUM_TRY(env.slot());
    }
    if (first != nullptr) {
        *first = start.value();
    }
    return invoke(untyped, Invocation::untyped_retype, {raw_kind(kind), size_arg, root_cnode, start.value(), count})
        .status;
}

void fill_revoke_reuse(Env& env) {
    const char* name = "untyped.revoke-reuse";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    if (!env.report->setup(u, name, "untyped")) {
        return;
    }
    CPtr frames = 0;
    const Status full = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small, &frames);
    const Status more = retype(env, u.value(), ObjectKind::endpoint, 0, 1);
    const Status revoked = invoke(root_cnode, Invocation::cnode_revoke, {u.value(), 64}).status;
    const Status gone = user::unmap_frame(frames);
    const Status again = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small);
    env.report->check(full == Status::ok && more == Status::not_enough_memory && revoked == Status::ok &&
                          gone == Status::empty_slot && again == Status::ok,
                      name, "16 frames {}, one endpoint more {}; revoke {}, a frame's slot {}; 16 frames again {}",
                      user::status_name(full), user::status_name(more), user::status_name(revoked),
                      user::status_name(gone), user::status_name(again));
}

// Objects are aligned to their size: after a 16-byte endpoint only 15 of
// the 16 frames fit.
void alignment(Env& env) {
    const char* name = "untyped.alignment";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    if (!env.report->setup(u, name, "untyped")) {
        return;
    }
    const Status ep = retype(env, u.value(), ObjectKind::endpoint, 0, 1);
    const Status sixteen = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small);
    const Status fifteen = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small - 1);
    env.report->check(ep == Status::ok && sixteen == Status::not_enough_memory && fifteen == Status::ok, name,
                      "endpoint {}, then 16 frames {}, 15 frames {}", user::status_name(ep), user::status_name(sixteen),
                      user::status_name(fifteen));
}

// While any object made from an Untyped lives, retype continues after it:
// deleting some of them does not make their memory reusable.
void no_overlap(Env& env) {
    const char* name = "untyped.no-overlap";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    if (!env.report->setup(u, name, "untyped")) {
        return;
    }
    CPtr first = 0;
    const Status eight = retype(env, u.value(), ObjectKind::frame_4k, 0, 8, &first);
    for (CPtr s = first; s < first + 4; ++s) {
        (void)invoke(root_cnode, Invocation::cnode_delete, {s, 64});
    }
    const Status while_live = retype(env, u.value(), ObjectKind::frame_4k, 0, 9);
    for (CPtr s = first + 4; s < first + 8; ++s) {
        (void)invoke(root_cnode, Invocation::cnode_delete, {s, 64});
    }
    const Status all_gone = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small);
    env.report->check(eight == Status::ok && while_live == Status::not_enough_memory && all_gone == Status::ok, name,
                      "8 frames {}; 4 deleted, 9 more {}; all deleted, 16 {}", user::status_name(eight),
                      user::status_name(while_live), user::status_name(all_gone));
}

// Every kind with memory can be made; each object works as its kind.
void kinds(Env& env) {
    const char* name = "untyped.retype-kinds";
    const Result<CPtr> u = env.make(ObjectKind::untyped, 22);
    if (!env.report->setup(u, name, "untyped")) {
        return;
    }
    const struct {
        ObjectKind kind;
        std::uint64_t size_arg;
    } wanted[] = {{ObjectKind::frame_2m, 0},   {ObjectKind::untyped, 12},
                  {ObjectKind::cnode, 4},      {ObjectKind::tcb, 0},
                  {ObjectKind::endpoint, 0},   {ObjectKind::notification, 0},
                  {ObjectKind::frame_4k, 0},   {ObjectKind::pml4, 0},
                  {ObjectKind::pdpt, 0},       {ObjectKind::page_directory, 0},
                  {ObjectKind::page_table, 0}, {ObjectKind::sched_context, 0},
                  {ObjectKind::vcpu, 0},       {ObjectKind::guest_memory, 0},
                  {ObjectKind::reply, 0}};
    unsigned made = 0;
    std::uint64_t failed = 0;
    Status failed_status = Status::ok;
    for (const auto& w : wanted) {
        const Status s = retype(env, u.value(), w.kind, w.size_arg, 1);
        if (s == Status::ok) {
            ++made;
        } else if (failed_status == Status::ok) {
            failed = user::raw_kind(w.kind);
            failed_status = s;
        }
    }
    env.report->check(made == sizeof(wanted) / sizeof(wanted[0]), name,
                      "{} of {} kinds made from a 4 MiB Untyped; first failure: kind {} ({})", made,
                      sizeof(wanted) / sizeof(wanted[0]), failed, user::status_name(failed_status));
}

// Requests that cannot be met, and what each says.
void refused(Env& env) {
    const char* name = "untyped.retype-refused";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> dest = env.slot();
    if (!env.report->setup(u, name, "untyped") || !env.report->setup(ep, name, "endpoint") ||
        !env.report->setup(dest, name, "slot")) {
        return;
    }
    const CPtr d = dest.value();
    const auto attempt = [&](ObjectKind kind, std::uint64_t size, CPtr cnode, std::uint64_t offset,
                             std::uint64_t count) {
        return invoke(u.value(), Invocation::untyped_retype, {raw_kind(kind), size, cnode, offset, count}).status;
    };
    const ErrorCase cases[] = {
        {"CNode too big", attempt(ObjectKind::cnode, 12, root_cnode, d, 1), Status::not_enough_memory},
        {"17 frames", attempt(ObjectKind::frame_4k, 0, root_cnode, d, 17), Status::not_enough_memory},
        {"a 2 MiB frame", attempt(ObjectKind::frame_2m, 0, root_cnode, d, 1), Status::not_enough_memory},
        {"child Untyped of the same size", attempt(ObjectKind::untyped, small_bits, root_cnode, d, 1),
         Status::invalid_argument},
        {"child Untyped larger", attempt(ObjectKind::untyped, small_bits + 1, root_cnode, d, 1),
         Status::invalid_argument},
        {"kind null", attempt(ObjectKind::null, 0, root_cnode, d, 1), Status::invalid_argument},
        {"kind 99", attempt(static_cast<ObjectKind>(99), 0, root_cnode, d, 1), Status::invalid_argument},
        {"IOPortRange", attempt(ObjectKind::io_port_range, 0, root_cnode, d, 1), Status::invalid_argument},
        {"IRQHandler", attempt(ObjectKind::irq_handler, 0, root_cnode, d, 1), Status::invalid_argument},
        {"CNode radix 0", attempt(ObjectKind::cnode, 0, root_cnode, d, 1), Status::invalid_argument},
        {"count 0", attempt(ObjectKind::endpoint, 0, root_cnode, d, 0), Status::out_of_range},
        {"offset past the CNode", attempt(ObjectKind::endpoint, 0, root_cnode, 1u << 13, 1), Status::out_of_range},
        {"occupied slot", attempt(ObjectKind::endpoint, 0, root_cnode, ep.value(), 1), Status::slot_occupied},
        {"destination not a CNode", attempt(ObjectKind::endpoint, 0, ep.value(), 0, 1), Status::wrong_kind},
        {"destination empty", attempt(ObjectKind::endpoint, 0, d, 0, 1), Status::empty_slot},
        {"retype on an Endpoint",
         invoke(root_tcb, Invocation::untyped_retype, {raw_kind(ObjectKind::endpoint), 0, root_cnode, d, 1}).status,
         Status::invalid_argument},
    };
    if (const ErrorCase* c = first_mismatch(cases)) {
        env.report->check(false, name, "{}: got {}, want {}", c->what, user::status_name(c->got),
                          user::status_name(c->want));
        return;
    }
    // Nothing was made by any of them: the whole Untyped is still free.
    const Status whole = attempt(ObjectKind::frame_4k, 0, root_cnode, d, 1);
    env.report->check(whole == Status::ok, name, "{} refusals, each with its status; then a frame: {}",
                      sizeof(cases) / sizeof(cases[0]), user::status_name(whole));
}

// Revoking an Untyped destroys its objects: a thread waiting on an
// Endpoint made from it is woken with an error.
struct Blocked {
    CPtr endpoint = 0;
    CPtr done = 0;
    volatile Status status = Status::preempted;
};

void receive_and_report(std::uint64_t arg) {
    auto& b = *reinterpret_cast<Blocked*>(arg);
    b.status = user::recv(b.endpoint).status;
    (void)user::signal(b.done);
}

void revoke_destroys(Env& env) {
    const char* name = "untyped.revoke-destroys";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    Badged done;
    if (!env.report->setup(u, name, "untyped") ||
        !env.report->setup(make_badged(env, ObjectKind::notification, 1, done), name, "notification")) {
        return;
    }
    CPtr ep = 0;
    Blocked b;
    user::Thread t;
    if (!env.report->setup(retype(env, u.value(), ObjectKind::endpoint, 0, 1, &ep), name, "endpoint")) {
        return;
    }
    b.endpoint = ep;
    b.done = done.badged;
    if (!env.report->setup(env.spawn(t, receive_and_report, &b, 100), name, "thread")) {
        return;
    }
    if (!env.report->setup(settle(env), name, "settle")) {
        return;
    }
    const Status revoked = invoke(root_cnode, Invocation::cnode_revoke, {u.value(), 64}).status;
    (void)user::wait(done.object);
    env.report->check(revoked == Status::ok && b.status == Status::empty_slot, name,
                      "revoke {}; the thread's receive returned {} (want empty_slot)", user::status_name(revoked),
                      user::status_name(b.status));
}

// Revoke runs in bounded steps (256 capabilities at a time); a revoke of
// many children is re-executed by the kernel until it completes.
void revoke_preemptible(Env& env) {
    const char* name = "untyped.revoke-preemptible";
    constexpr std::uint64_t count = 1000;
    const Result<CPtr> u = env.make(ObjectKind::untyped, 16);
    if (!env.report->setup(u, name, "untyped")) {
        return;
    }
    CPtr first = 0;
    const Status made = retype(env, u.value(), ObjectKind::endpoint, 0, count, &first);
    const Status revoked = invoke(root_cnode, Invocation::cnode_revoke, {u.value(), 64}).status;
    unsigned left = 0;
    for (CPtr s = first; s < first + count; ++s) {
        left += user::nb_send(s, user::message(1, {})).status == Status::empty_slot ? 0 : 1;
    }
    const Status again = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small);
    env.report->check(made == Status::ok && revoked == Status::ok && left == 0 && again == Status::ok, name,
                      "{} endpoints: {}; revoke: {}, {} left; then 16 frames: {}", count, user::status_name(made),
                      user::status_name(revoked), left, user::status_name(again));
}

// Deleting the last capability to a CNode destroys what only it held.
void delete_cnode(Env& env) {
    const char* name = "untyped.delete-cnode-contents";
    const Result<CPtr> u = env.make(ObjectKind::untyped, small_bits);
    CPtr cnode = 0;
    if (!env.report->setup(u, name, "untyped") ||
        !env.report->setup(retype(env, u.value(), ObjectKind::cnode, 4, 1, &cnode), name, "cnode")) {
        return;
    }
    // An endpoint whose only capability is in the CNode.
    const Status inside =
        invoke(u.value(), Invocation::untyped_retype, {raw_kind(ObjectKind::endpoint), 0, cnode, 1, 1}).status;
    const Status deleted = invoke(root_cnode, Invocation::cnode_delete, {cnode, 64}).status;
    // Nothing made from u is left: all of it can be retyped again.
    const Status reuse = retype(env, u.value(), ObjectKind::frame_4k, 0, frames_in_small);
    env.report->check(inside == Status::ok && deleted == Status::ok && reuse == Status::ok, name,
                      "endpoint retyped into a CNode: {}; the CNode's last capability deleted: {}; then the whole "
                      "Untyped retyped: {} (want ok: the endpoint went with the CNode)",
                      user::status_name(inside), user::status_name(deleted), user::status_name(reuse));
}

const TestCase group[] = {
    {"untyped.revoke-reuse", fill_revoke_reuse},
    {"untyped.alignment", alignment},
    {"untyped.no-overlap", no_overlap},
    {"untyped.retype-kinds", kinds},
    {"untyped.retype-refused", refused},
    {"untyped.revoke-destroys", revoke_destroys},
    {"untyped.revoke-preemptible", revoke_preemptible},
    {"untyped.delete-cnode-contents", delete_cnode},
};

}  // namespace

SEPTUM_TEST_GROUP(untyped_tests, group);

}  // namespace septum::roottask
