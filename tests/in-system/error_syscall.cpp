// Every error path of every system call (abi/syscall.hpp): bad syscall
// numbers, capability addresses that do not resolve, the wrong kind of
// object, and missing rights. Each returns its own Status and changes
// nothing.
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using abi::Syscall;
using caps::ObjectKind;

Status sys(Syscall number, CPtr cap) { return user::syscall(number, cap, user::message(1, {})).status; }

// Capabilities the cases below use: endpoints and notifications with one
// right each, a frame, and an empty slot.
struct Caps {
    CPtr ep = 0, ep_read = 0, ep_write = 0, n = 0, n_read = 0, n_write = 0, frame = 0, empty = 0;
};

Status make_caps(Env& env, Caps& c) {
    const Result<CPtr> ep = env.make(ObjectKind::endpoint);
    const Result<CPtr> n = env.make(ObjectKind::notification);
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> empty = env.slot();
    SEPTUM_TRY(ep);
    SEPTUM_TRY(n);
    SEPTUM_TRY(frame);
    SEPTUM_TRY(empty);
    c.ep = ep.value();
    c.n = n.value();
    c.frame = frame.value();
    c.empty = empty.value();
    const Result<CPtr> ep_read = env.mint(c.ep, right_read, 0);
    const Result<CPtr> ep_write = env.mint(c.ep, right_write, 0);
    const Result<CPtr> n_read = env.mint(c.n, right_read, 0x1);
    const Result<CPtr> n_write = env.mint(c.n, right_write, 0x1);
    SEPTUM_TRY(ep_read);
    SEPTUM_TRY(ep_write);
    SEPTUM_TRY(n_read);
    SEPTUM_TRY(n_write);
    c.ep_read = ep_read.value();
    c.ep_write = ep_write.value();
    c.n_read = n_read.value();
    c.n_write = n_write.value();
    return Status::ok;
}

// The root CNode resolves all 64 bits: a set bit above its 13 index bits
// is a guard mismatch.
constexpr CPtr bad_guard = std::uint64_t{1} << 63;

void numbers(Env& env) {
    const ErrorCase paths[] = {
        {"syscall 0", sys(static_cast<Syscall>(0), root_tcb), Status::invalid_argument},
        {"syscall 9", sys(static_cast<Syscall>(9), root_tcb), Status::invalid_argument},
        {"syscall 2^63", sys(static_cast<Syscall>(std::uint64_t{1} << 63), root_tcb), Status::invalid_argument},
        {"yield ignores its capability", sys(Syscall::yield, bad_guard), Status::ok},
    };
    check_cases(env, "error.syscall-number", paths);
}

void call(Env& env) {
    Caps c;
    if (!env.report->setup(make_caps(env, c), "error.call", "capabilities")) {
        return;
    }
    const ErrorCase paths[] = {
        {"empty slot", sys(Syscall::call, c.empty), Status::empty_slot},
        {"slot 0", sys(Syscall::call, 0), Status::empty_slot},
        {"guard bits set", sys(Syscall::call, bad_guard), Status::guard_mismatch},
        {"a Notification", sys(Syscall::call, c.n), Status::wrong_kind},
        {"Endpoint without write", sys(Syscall::call, c.ep_read), Status::insufficient_rights},
        {"Endpoint without grant-reply", sys(Syscall::call, c.ep_write), Status::insufficient_rights},
    };
    check_cases(env, "error.call", paths);
}

void send(Env& env) {
    Caps c;
    if (!env.report->setup(make_caps(env, c), "error.send", "capabilities")) {
        return;
    }
    const ErrorCase paths[] = {
        {"send: empty slot", sys(Syscall::send, c.empty), Status::empty_slot},
        {"send: guard bits set", sys(Syscall::send, bad_guard), Status::guard_mismatch},
        {"send: Endpoint without write", sys(Syscall::send, c.ep_read), Status::insufficient_rights},
        {"send: Notification without write", sys(Syscall::send, c.n_read), Status::insufficient_rights},
        {"nbsend: empty slot", sys(Syscall::nb_send, c.empty), Status::empty_slot},
        {"nbsend: Endpoint without write", sys(Syscall::nb_send, c.ep_read), Status::insufficient_rights},
        {"nbsend: Notification without write", sys(Syscall::nb_send, c.n_read), Status::insufficient_rights},
    };
    check_cases(env, "error.send", paths);
}

void recv(Env& env) {
    Caps c;
    if (!env.report->setup(make_caps(env, c), "error.recv", "capabilities")) {
        return;
    }
    const ErrorCase paths[] = {
        {"recv: empty slot", sys(Syscall::recv, c.empty), Status::empty_slot},
        {"recv: guard bits set", sys(Syscall::recv, bad_guard), Status::guard_mismatch},
        {"recv: a Frame", sys(Syscall::recv, c.frame), Status::wrong_kind},
        {"recv: Endpoint without read", sys(Syscall::recv, c.ep_write), Status::insufficient_rights},
        {"recv: Notification without read", sys(Syscall::recv, c.n_write), Status::insufficient_rights},
        {"replyrecv: empty slot", sys(Syscall::reply_recv, c.empty), Status::empty_slot},
        {"replyrecv: a Frame", sys(Syscall::reply_recv, c.frame), Status::wrong_kind},
        {"replyrecv: Endpoint without read", sys(Syscall::reply_recv, c.ep_write), Status::insufficient_rights},
    };
    check_cases(env, "error.recv", paths);
}

void notification_calls(Env& env) {
    Caps c;
    if (!env.report->setup(make_caps(env, c), "error.signal-wait", "capabilities")) {
        return;
    }
    const ErrorCase paths[] = {
        {"signal: empty slot", sys(Syscall::signal, c.empty), Status::empty_slot},
        {"signal: guard bits set", sys(Syscall::signal, bad_guard), Status::guard_mismatch},
        {"signal: an Endpoint", sys(Syscall::signal, c.ep), Status::wrong_kind},
        {"signal: without write", sys(Syscall::signal, c.n_read), Status::insufficient_rights},
        {"wait: empty slot", sys(Syscall::wait, c.empty), Status::empty_slot},
        {"wait: an Endpoint", sys(Syscall::wait, c.ep), Status::wrong_kind},
        {"wait: a Frame", sys(Syscall::wait, c.frame), Status::wrong_kind},
        {"wait: without read", sys(Syscall::wait, c.n_write), Status::insufficient_rights},
    };
    check_cases(env, "error.signal-wait", paths);
}

const TestCase group[] = {
    {"error.syscall-number", numbers},         {"error.call", call}, {"error.send", send}, {"error.recv", recv},
    {"error.signal-wait", notification_calls},
};

}  // namespace

SEPTUM_TEST_GROUP(error_syscall_tests, group);

}  // namespace septum::roottask
