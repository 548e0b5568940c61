// The specification's syscalls and IPC: rendezvous on Endpoints, replies,
// Notifications, and the transfer of message words, badge and one granted
// capability.
#include "septum/abi/invocation.hpp"
#include "spec.hpp"

namespace septum::kernel::proofs {

namespace {

using abi::Syscall;
using caps::ObjectKind;

enum Reg : unsigned { rax, rdi, rsi, rdx };

bool has(const Spec::Cap& c, std::uint8_t rights) { return (c.rights & rights) == rights; }
std::uint64_t status(Status s) { return static_cast<std::uint64_t>(s); }

}  // namespace

Spec::Buffer* Spec::buffer(int t) {
    auto it = caps_.find({threads_[t].tcb, 2});
    return it == caps_.end() ? nullptr : &buffers_[it->second.object];
}

std::uint64_t Spec::message_word(int t, unsigned i) {
    if (i < abi::register_message_count) {
        return threads_[t].regs[rdx + i];
    }
    const Buffer* b = buffer(t);
    return b != nullptr && i < abi::max_message_length ? b->mr[i] : 0;
}

void Spec::set_message_word(int t, unsigned i, std::uint64_t v) {
    if (i < abi::register_message_count) {
        threads_[t].regs[rdx + i] = v;
        return;
    }
    if (Buffer* b = buffer(t); b != nullptr && i < abi::max_message_length) {
        b->mr[i] = v;
    }
}

void Spec::syscall(int t, const Action& a) {
    Thread& th = threads_[t];
    if (Buffer* b = buffer(t); b != nullptr) {
        b->send_cap = a.send_cap;
        b->receive_cnode = a.receive_slot != 0 ? slot::cnode : 0;
        b->receive_index = a.receive_slot;
    }
    th.regs[rax] = static_cast<std::uint64_t>(a.number);
    th.regs[rdi] = a.cptr;
    th.regs[rsi] = abi::MessageInfo{a.label, a.length, a.extra_caps}.encode();
    for (unsigned i = 0; i < a.words.size(); ++i) {
        set_message_word(t, i, a.words[i]);
    }
    if (a.number == Syscall::call && fast_call(t)) {
        return;
    }
    if (a.number == Syscall::reply_recv && fast_reply_recv(t)) {
        return;
    }
    const auto n = static_cast<std::uint64_t>(a.number);
    if (n < static_cast<std::uint64_t>(Syscall::call) || n > static_cast<std::uint64_t>(Syscall::yield)) {
        th.regs[rax] = status(Status::invalid_argument);
        return;
    }
    dispatch(t, a.number);
}

// A Call that fits in registers, to a receiver already waiting with no
// call unanswered, hands the CPU to the receiver unless a ready thread
// outranks it. The general path gives the same results but queues the
// receiver behind threads of its priority.
bool Spec::fast_call(int t) {
    Thread& th = threads_[t];
    const std::uint64_t info = th.regs[rsi];
    auto root = caps_.find({th.tcb, 0});
    if ((info & 0xfff) > abi::register_message_count || root == caps_.end() ||
        root->second.guard_bits + root->second.size_bits - caps::slot_bits != 64) {
        return false;
    }
    const Lookup l = lookup_cap(root->second, th.regs[rdi], 64);
    if (l.status != Status::ok) {
        return false;
    }
    const Cap& c = caps_.at(l.where);
    if (c.kind != ObjectKind::endpoint || !has(c, right::write | right::grant_reply)) {
        return false;
    }
    std::deque<int>& q = endpoints_[c.object];
    if (q.empty() || threads_[q.front()].state != Run::blocked_recv || threads_[q.front()].caller != -1) {
        return false;
    }
    const int r = q.front();
    q.pop_front();
    transfer(t, r, c.badge, false);
    th.state = Run::blocked_reply;
    th.callee = r;
    threads_[r].caller = t;
    threads_[r].state = Run::ready;
    if (!switch_to(r)) {
        make_ready(r);
    }
    return true;
}

// A ReplyRecv that fits in registers, whose receive will block: the
// client gets the reply and, unless a ready thread outranks it, the CPU.
bool Spec::fast_reply_recv(int t) {
    Thread& th = threads_[t];
    const int client = th.caller;
    const std::uint64_t info = th.regs[rsi];
    auto root = caps_.find({th.tcb, 0});
    if (client < 0 || (info & 0xfff) > abi::register_message_count || root == caps_.end() ||
        root->second.guard_bits + root->second.size_bits - caps::slot_bits != 64) {
        return false;
    }
    const Lookup l = lookup_cap(root->second, th.regs[rdi], 64);
    if (l.status != Status::ok) {
        return false;
    }
    const Cap& c = caps_.at(l.where);
    if (c.kind != ObjectKind::endpoint || !has(c, right::read)) {
        return false;
    }
    std::deque<int>& q = endpoints_[c.object];
    if ((!q.empty() && threads_[q.front()].state == Run::blocked_send) ||
        (th.bound != 0 && notifications_[th.bound].word != 0)) {
        return false;  // the receive would not block: the general path
    }
    transfer(t, client, 0, false);
    th.caller = -1;
    threads_[client].callee = -1;
    th.state = Run::blocked_recv;
    q.push_back(t);
    threads_[client].state = Run::ready;
    if (!switch_to(client)) {
        make_ready(client);
    }
    return true;
}

void Spec::dispatch(int t, Syscall number) {
    Thread& th = threads_[t];
    if (number == Syscall::yield) {
        rotate(t);
        th.regs[rax] = status(Status::ok);
        return;
    }
    if (number == Syscall::reply_recv) {
        reply(t);
    }
    const Lookup l = lookup_in_cspace(t, th.regs[rdi]);
    if (l.status != Status::ok) {
        th.regs[rax] = status(l.status);
        return;
    }
    const Cap c = caps_.at(l.where);
    Status s = Status::ok;
    auto signal_it = [&]() {
        if (!has(c, right::write)) {
            return Status::insufficient_rights;
        }
        signal(c.object, c.badge);
        th.regs[rax] = status(Status::ok);
        return Status::ok;
    };
    auto receive_it = [&]() {
        if (!has(c, right::read)) {
            return Status::insufficient_rights;
        }
        if (c.kind == ObjectKind::endpoint) {
            receive(t, c.object);
            return Status::ok;
        }
        if (c.kind == ObjectKind::notification) {
            wait(t, c.object);
            return Status::ok;
        }
        return Status::wrong_kind;
    };
    switch (number) {
        case Syscall::call:
        case Syscall::send:
        case Syscall::nb_send:
            if (c.kind == ObjectKind::endpoint) {
                if (!has(c, right::write) || (number == Syscall::call && !has(c, right::grant_reply))) {
                    s = Status::insufficient_rights;
                } else {
                    send(t, c.object, c.badge, has(c, right::grant), number == Syscall::call,
                         number != Syscall::nb_send);
                }
            } else if (c.kind == ObjectKind::notification) {
                s = number == Syscall::call ? Status::wrong_kind : signal_it();
            } else {
                const std::uint64_t raw_info = th.regs[rsi];
                th.regs[rsi] = 0;
                th.regs[rax] = status(invoke(t, l.where, abi::MessageInfo::decode(raw_info)));
            }
            break;
        case Syscall::recv:
        case Syscall::reply_recv:
            s = receive_it();
            break;
        case Syscall::signal:
            s = c.kind == ObjectKind::notification ? signal_it() : Status::wrong_kind;
            break;
        case Syscall::wait:
            s = c.kind == ObjectKind::notification ? receive_it() : Status::wrong_kind;
            break;
        default:
            s = Status::invalid_argument;
            break;
    }
    if (s != Status::ok) {
        th.regs[rax] = status(s);
    }
}

void Spec::send(int t, std::uint64_t ep, std::uint64_t badge, bool grant, bool call, bool blocking) {
    std::deque<int>& q = endpoints_[ep];
    if (!q.empty() && threads_[q.front()].state == Run::blocked_recv) {
        const int r = q.front();
        q.pop_front();
        transfer(t, r, badge, grant);
        make_ready(r);
        if (call) {
            unqueue(t);
            link_reply(t, r);
        } else {
            threads_[t].regs[rax] = status(Status::ok);
        }
        return;
    }
    if (!blocking) {
        threads_[t].regs[rax] = status(Status::ok);  // nobody waits: the message is dropped
        return;
    }
    Thread& th = threads_[t];
    unqueue(t);
    th.state = Run::blocked_send;
    th.ipc_badge = badge;
    th.ipc_can_grant = grant;
    th.ipc_is_call = call;
    q.push_back(t);
}

void Spec::receive(int t, std::uint64_t ep) {
    // A bound Notification already signalled ends the receive at once.
    if (const std::uint64_t b = threads_[t].bound; b != 0 && notifications_[b].word != 0) {
        threads_[t].regs[rdi] = notifications_[b].word;
        notifications_[b].word = 0;
        threads_[t].regs[rsi] = 0;
        threads_[t].regs[rax] = status(Status::ok);
        return;
    }
    std::deque<int>& q = endpoints_[ep];
    if (!q.empty() && threads_[q.front()].state == Run::blocked_send) {
        const int s = q.front();
        q.pop_front();
        Thread& sender = threads_[s];
        sender.state = Run::ready;
        transfer(s, t, sender.ipc_badge, sender.ipc_can_grant);
        if (sender.ipc_is_call) {
            link_reply(s, t);
        } else {
            sender.regs[rax] = status(Status::ok);
            make_ready(s);
        }
        return;
    }
    unqueue(t);
    threads_[t].state = Run::blocked_recv;
    q.push_back(t);
}

void Spec::reply(int t) {
    const int c = threads_[t].caller;
    if (c < 0) {
        return;
    }
    threads_[t].caller = -1;
    threads_[c].callee = -1;
    transfer(t, c, 0, false);
    make_ready(c);
}

void Spec::signal(std::uint64_t ntfn, std::uint64_t badge) {
    Notification& n = notifications_[ntfn];
    if (!n.waiters.empty()) {
        const int w = n.waiters.front();
        n.waiters.pop_front();
        threads_[w].regs[rdi] = n.word | badge;
        n.word = 0;
        threads_[w].regs[rax] = status(Status::ok);
        make_ready(w);
        return;
    }
    // Else it ends the bound thread's Endpoint receive, if it is in one.
    if (n.bound >= 0 && threads_[n.bound].state == Run::blocked_recv) {
        const int b = n.bound;
        cancel_ipc(b);
        threads_[b].regs[rdi] = n.word | badge;
        n.word = 0;
        threads_[b].regs[rsi] = 0;
        threads_[b].regs[rax] = status(Status::ok);
        make_ready(b);
        return;
    }
    n.word |= badge;
}

void Spec::wait(int t, std::uint64_t ntfn) {
    Notification& n = notifications_[ntfn];
    if (n.word != 0) {
        threads_[t].regs[rdi] = n.word;
        n.word = 0;
        threads_[t].regs[rax] = status(Status::ok);
        return;
    }
    unqueue(t);
    threads_[t].state = Run::blocked_notify;
    n.waiters.push_back(t);
}

// The message: `length` words (those past the registers only when both
// have IPC buffers), the badge, and with grant the first extra capability.
void Spec::transfer(int from, int to, std::uint64_t badge, bool grant) {
    const abi::MessageInfo info = abi::MessageInfo::decode(threads_[from].regs[rsi]);
    unsigned length = info.length < abi::max_message_length ? info.length : abi::max_message_length;
    if (length > abi::register_message_count && (buffer(from) == nullptr || buffer(to) == nullptr)) {
        length = abi::register_message_count;
    }
    for (unsigned i = 0; i < length; ++i) {
        set_message_word(to, i, message_word(from, i));
    }
    std::uint8_t granted = 0;
    if (grant && info.extra_caps > 0) {
        granted = transfer_cap(from, to) ? 1 : 0;
    }
    Thread& r = threads_[to];
    r.regs[rsi] = abi::MessageInfo{info.label, static_cast<std::uint8_t>(length), granted}.encode();
    r.regs[rdi] = badge;
    r.regs[rax] = status(Status::ok);
}

bool Spec::transfer_cap(int from, int to) {
    const Buffer* fb = buffer(from);
    const Buffer* tb = buffer(to);
    if (fb == nullptr || tb == nullptr || tb->receive_cnode == 0) {
        return false;
    }
    const Lookup src = lookup_in_cspace(from, fb->send_cap);
    const Lookup cnode = lookup_in_cspace(to, tb->receive_cnode);
    if (src.status != Status::ok || cnode.status != Status::ok || caps_.at(cnode.where).kind != ObjectKind::cnode) {
        return false;
    }
    const Cap& dest_cnode = caps_.at(cnode.where);
    if (tb->receive_index >= (std::uint64_t{1} << (dest_cnode.size_bits - caps::slot_bits))) {
        return false;
    }
    const CapLocation dest{dest_cnode.object, tb->receive_index};
    if (has_cap(dest) || !caps::is_derivable(caps_.at(src.where).kind)) {
        return false;
    }
    install(src.where, dest, caps_.at(src.where));
    return true;
}

void Spec::link_reply(int caller, int callee) {
    abandon_caller(callee);
    threads_[caller].state = Run::blocked_reply;
    threads_[caller].callee = callee;
    threads_[callee].caller = caller;
}

// A thread answers one call at a time: an earlier caller it never answered
// is let go with empty_slot.
void Spec::abandon_caller(int t) {
    const int c = threads_[t].caller;
    if (c < 0) {
        return;
    }
    threads_[t].caller = -1;
    threads_[c].callee = -1;
    threads_[c].regs[rax] = status(Status::empty_slot);
    make_ready(c);
}

void Spec::cancel_ipc(int t) {
    Thread& th = threads_[t];
    auto leave = [t](std::deque<int>& q) {
        for (auto it = q.begin(); it != q.end(); ++it) {
            if (*it == t) {
                q.erase(it);
                return;
            }
        }
    };
    switch (th.state) {
        case Run::blocked_send:
        case Run::blocked_recv:
            for (auto& [object, q] : endpoints_) {
                leave(q);
            }
            break;
        case Run::blocked_notify:
            for (auto& [object, n] : notifications_) {
                leave(n.waiters);
            }
            break;
        case Run::blocked_reply:
            if (th.callee >= 0) {
                threads_[th.callee].caller = -1;
                th.callee = -1;
            }
            break;
        case Run::ready:
            unqueue(t);
            break;
        case Run::inactive:
            break;
    }
}

void Spec::suspend(int t) {
    cancel_ipc(t);
    abandon_caller(t);
    threads_[t].state = Run::inactive;
}

}  // namespace septum::kernel::proofs
