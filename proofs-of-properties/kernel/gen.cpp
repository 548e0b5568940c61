#include "gen.hpp"

#include "septum/abi/invocation.hpp"
#include "septum/caps/object_kind.hpp"

namespace septum::kernel::proofs {

namespace {

using abi::Invocation;
using abi::Syscall;

template <typename T>
T pick(Random& rng, const std::vector<T>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

unsigned below(Random& rng, unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng); }

const std::vector<std::uint64_t> ipc_targets = {
    slot::endpoint,    slot::endpoint,   slot::endpoint,   slot::notification,   slot::channel_out, slot::channel_in,
    slot::channel_out, slot::channel_in, slot::first_free, slot::first_free + 1, slot::data_frame,  0,
    slot::vspace,      1u << 6};
const std::vector<std::uint64_t> cap_slots = {
    slot::endpoint,   slot::notification,   slot::data_frame,     slot::channel_out,   slot::channel_in,
    slot::peer_frame, slot::offered_frame,  slot::ipc_buffer,     slot::untyped,       slot::cnode,
    slot::first_free, slot::first_free + 1, slot::first_free + 2, slot::first_free + 3};
// Targets of delete and revoke: never the CNode, PML4, TCBs or page tables
// (destroying those is outside the specification).
const std::vector<std::uint64_t> deletable = {slot::endpoint,      slot::notification,   slot::data_frame,
                                              slot::channel_out,   slot::channel_in,     slot::peer_frame,
                                              slot::offered_frame, slot::ipc_buffer,     slot::untyped,
                                              slot::first_free,    slot::first_free + 1, slot::first_free + 2};
const std::vector<std::uint64_t> free_slots = {slot::first_free, slot::first_free + 1, slot::first_free + 2,
                                               slot::first_free + 3, slot::first_free + 4};
const std::vector<std::uint64_t> frames = {slot::data_frame,    slot::peer_frame, slot::offered_frame,
                                           slot::ipc_buffer,    slot::first_free, slot::first_free + 1,
                                           slot::first_free + 2};
const std::vector<std::uint64_t> addresses = {va::data,   va::offered,  va::peer,    va::spare0,
                                              va::spare1, va::unmapped, va::no_table};
const std::vector<std::uint64_t> map_addresses = {va::spare0, va::spare1, va::peer, va::data, va::no_table, 0x13001};

// Most actions come at once; others after some time, a long stretch
// across periods, or just before the kernel would decide (the moment a
// tick-charged kernel misses).
Duration random_duration(Random& rng, bool spinning) {
    static const std::vector<std::uint64_t> margins = {0, 1, 1, 2, 50};
    const unsigned what = below(rng, 20);
    if (!spinning && what < 8) {
        return cycles(0);
    }
    if (what < 12) {
        return cycles(1 + below(rng, 1500));
    }
    if (what < 17) {
        return before_deadline(pick(rng, margins));
    }
    return cycles(1000 + below(rng, 8000));
}

Action receive_into(Action a, std::uint64_t slot_index) {
    a.receive_slot = slot_index;
    return a;
}

std::uint64_t kind_number(caps::ObjectKind k) { return static_cast<std::uint64_t>(k); }

Action random_ipc(Random& rng) {
    static const std::vector<Syscall> numbers = {Syscall::call,       Syscall::send,   Syscall::nb_send, Syscall::recv,
                                                 Syscall::reply_recv, Syscall::signal, Syscall::wait,    Syscall::yield,
                                                 Syscall::reply_recv, Syscall::call,   Syscall::recv};
    Action a = ipc(pick(rng, numbers), pick(rng, ipc_targets), static_cast<std::uint8_t>(below(rng, 5)));
    a.label = below(rng, 4) == 0 ? 0 : 0x40 + below(rng, 3);
    for (std::uint64_t& w : a.words) {
        w = rng() & 0xffff;
    }
    if (below(rng, 3) == 0) {
        a.extra_caps = 1;
        a.send_cap = pick(rng, cap_slots);
    }
    if (below(rng, 2) == 0) {
        a.receive_slot = pick(rng, free_slots);
    }
    return a;
}

Action random_invocation(Random& rng) {
    switch (below(rng, 8)) {
        case 0:
            return invocation(slot::cnode, Invocation::cnode_copy,
                              {pick(rng, cap_slots), 64, pick(rng, free_slots), 64});
        case 1: {
            static const std::vector<std::uint64_t> rights = {0x1, 0x3, 0x2, 0x1f, 0x9, 0xb};
            static const std::vector<std::uint64_t> data = {0, 0, 0x77, 0x3};
            return invocation(
                slot::cnode, Invocation::cnode_mint,
                {pick(rng, cap_slots), 64, pick(rng, free_slots), 64, pick(rng, rights), pick(rng, data)});
        }
        case 2:
            return invocation(slot::cnode, Invocation::cnode_delete, {pick(rng, deletable), 64});
        case 3:
            return invocation(slot::cnode, Invocation::cnode_revoke, {pick(rng, deletable), 64});
        case 4: {
            static const std::vector<std::uint64_t> kinds = {
                kind_number(caps::ObjectKind::endpoint), kind_number(caps::ObjectKind::notification),
                kind_number(caps::ObjectKind::frame_4k), kind_number(caps::ObjectKind::frame_4k)};
            static const std::vector<std::uint64_t> counts = {1, 1, 2, 4};
            return invocation(slot::untyped, Invocation::untyped_retype,
                              {pick(rng, kinds), 0, slot::cnode, pick(rng, free_slots), pick(rng, counts)});
        }
        case 5:
        case 6: {
            static const std::vector<std::uint64_t> rights = {0x1, 0x3, 0x3, 0x13};
            return invocation(pick(rng, frames), Invocation::frame_map,
                              {slot::vspace, pick(rng, map_addresses), pick(rng, rights)});
        }
        default:
            return invocation(pick(rng, frames), Invocation::frame_unmap, {});
    }
}

}  // namespace

Duration cycles(std::uint64_t n) { return Duration{n, false}; }

Duration before_deadline(std::uint64_t n) { return Duration{n, true}; }

Action spin(Duration d) {
    Action a;
    a.kind = Action::Kind::spin;
    a.run = d;
    return a;
}

Action after(Duration d, Action a) {
    a.run = d;
    return a;
}

Action ipc(Syscall number, std::uint64_t cptr, std::uint8_t length, std::uint64_t w0) {
    Action a;
    a.kind = Action::Kind::syscall;
    a.number = number;
    a.cptr = cptr;
    a.label = 0x40;
    a.length = length;
    a.words = {w0, 0x22, 0x33, 0x44, 0, 0};
    a.message = true;
    return a;
}

Action invocation(std::uint64_t cptr, Invocation op, std::vector<std::uint64_t> args) {
    Action a;
    a.kind = Action::Kind::syscall;
    a.number = Syscall::call;
    a.cptr = cptr;
    a.label = static_cast<std::uint64_t>(op);
    a.length = static_cast<std::uint8_t>(args.size());
    for (unsigned i = 0; i < args.size() && i < a.words.size(); ++i) {
        a.words[i] = args[i];
    }
    return a;
}

Action memory(bool store, std::uint64_t address, unsigned word, std::uint64_t value) {
    Action a;
    a.kind = store ? Action::Kind::store : Action::Kind::load;
    a.address = address;
    a.word = word;
    a.value = value;
    return a;
}

Action random_action(Random& rng) {
    const unsigned what = below(rng, 20);
    if (what < 4) {
        return spin(random_duration(rng, true));
    }
    Action a;
    if (what < 11) {
        a = random_ipc(rng);
    } else if (what < 16) {
        a = random_invocation(rng);
    } else {
        a = memory(what < 18, pick(rng, addresses), below(rng, observed_words), rng() & 0xffffff);
    }
    return after(random_duration(rng, false), a);
}

std::vector<Action> small_alphabet() {
    const Duration dodge = before_deadline(1);
    std::vector<Action> a = {
        spin(cycles(700)),
        spin(before_deadline(0)),
        after(dodge, ipc(Syscall::yield, 0, 0)),
        after(dodge, ipc(Syscall::recv, slot::endpoint, 0)),
        after(dodge, ipc(Syscall::call, slot::channel_out, 1)),
        ipc(Syscall::call, slot::endpoint, 2),
        ipc(Syscall::send, slot::endpoint, 1),
        receive_into(ipc(Syscall::recv, slot::channel_in, 0), slot::first_free + 1),
        ipc(Syscall::reply_recv, slot::channel_in, 1, 0x99),
        ipc(Syscall::nb_send, slot::channel_out, 3),
        ipc(Syscall::signal, slot::notification, 0),
        ipc(Syscall::wait, slot::notification, 0),
        invocation(slot::cnode, Invocation::cnode_delete, {slot::peer_frame, 64}),
        invocation(slot::cnode, Invocation::cnode_revoke, {slot::offered_frame, 64}),
        invocation(slot::cnode, Invocation::cnode_mint, {slot::peer_frame, 64, slot::first_free, 64, 0x3, 0}),
        // Four frames fill the Untyped; one more must not fit.
        invocation(slot::untyped, Invocation::untyped_retype,
                   {static_cast<std::uint64_t>(caps::ObjectKind::frame_4k), 0, slot::cnode, slot::first_free, 4}),
        invocation(slot::untyped, Invocation::untyped_retype,
                   {static_cast<std::uint64_t>(caps::ObjectKind::frame_4k), 0, slot::cnode, slot::first_free + 4, 1}),
        invocation(slot::peer_frame, Invocation::frame_map, {slot::vspace, va::spare0, 0x3}),
        invocation(slot::first_free, Invocation::frame_map, {slot::vspace, va::spare0, 0x3}),
        ipc(Syscall::reply_recv, slot::endpoint, 1, 0x98),
        memory(true, va::peer, 0, 0x5e),
        memory(true, va::spare0, 1, 0x5f),
        memory(false, va::peer, 0),
    };
    // A Call that grants the cell's own Endpoint to where the receiver says.
    Action grant = ipc(Syscall::call, slot::channel_out, 1);
    grant.extra_caps = 1;
    grant.send_cap = slot::endpoint;
    grant.receive_slot = slot::first_free + 1;
    a.push_back(grant);
    return a;
}

}  // namespace septum::kernel::proofs
