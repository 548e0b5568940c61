#include "theorems.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "septum/caps/object_kind.hpp"

namespace septum::kernel::proofs {

namespace {
constexpr std::uint64_t endpoint_bytes = 16;
constexpr std::uint64_t frame_bytes = 0x1000;

template <typename Range>
bool covered(const std::vector<Range>& ranges, const Range& r) {
    for (const Range& have : ranges) {
        if (have.lo == r.lo && have.hi == r.hi && (r.rights & ~have.rights) == 0) {
            return true;
        }
    }
    return false;
}

std::string hex(std::uint64_t v) {
    std::ostringstream o;
    o << std::hex << "0x" << v;
    return o.str();
}
}  // namespace

Theorems::Theorems(const Description& d, const Placement& p)
    : d_(d), p_(p), allowed_(d.cells), shares_(d.thread_count()) {
    for (unsigned c = 0; c < d.cells; ++c) {
        const std::uint64_t base = p.cells[c].data_frame;
        allowed_[c].push_back({base, base + region_bytes, right::all});
    }
    for (unsigned i = 0; i < d.channels.size(); ++i) {
        const Channel& ch = d.channels[i];
        const std::uint64_t ep = p.channel_endpoints[i];
        allowed_[ch.from].push_back({ep, ep + endpoint_bytes, channel_send_rights(ch)});
        allowed_[ch.to].push_back({ep, ep + endpoint_bytes, channel_receive_rights});
    }
    for (const SharedFrame& f : d.shared) {
        const std::uint64_t frame = p.cells[f.owner].offered_frame;
        allowed_[f.peer].push_back({frame, frame + frame_bytes, shared_frame_rights(f)});
    }
    // Over a channel with grant, whatever the sender may hold may pass.
    for (bool grew = true; grew;) {
        grew = false;
        for (const Channel& ch : d.channels) {
            if (!ch.grant) {
                continue;
            }
            for (const Range& range : std::vector(allowed_[ch.from])) {
                if (!covered(allowed_[ch.to], range)) {
                    allowed_[ch.to].push_back(range);
                    grew = true;
                }
            }
        }
    }
}

int Theorems::cell_of_location(const CapLocation& where) const {
    for (unsigned c = 0; c < d_.cells; ++c) {
        const CellPlacement& cp = p_.cells[c];
        if (where.first == cp.cnode || where.first == cp.tcb[0] || where.first == cp.tcb[1]) {
            return static_cast<int>(c);
        }
    }
    return -1;
}

bool Theorems::allowed(unsigned cell, std::uint64_t object, std::uint8_t rights) const {
    for (const Range& r : allowed_[cell]) {
        if (object >= r.lo && object < r.hi && (rights & ~r.rights) == 0) {
            return true;
        }
    }
    return false;
}

bool Theorems::holds(const View& v, unsigned cell, std::uint64_t object, std::uint8_t rights) const {
    for (const auto& [where, cap] : v.caps) {
        if (cell_of_location(where) == static_cast<int>(cell) && cap.object == object &&
            (cap.rights & rights) == rights) {
            return true;
        }
    }
    return false;
}

std::string Theorems::confinement(const View& v) const {
    for (const auto& [where, cap] : v.caps) {
        const int cell = cell_of_location(where);
        if (cell >= 0 && !allowed(static_cast<unsigned>(cell), cap.object, cap.rights)) {
            return "cell " + std::to_string(cell) + " holds a capability (kind " + std::to_string(cap.kind) +
                   ", rights " + std::to_string(cap.rights) + ") to " + hex(cap.object) +
                   ", which no declaration lets it have";
        }
    }
    return "";
}

std::string Theorems::integrity(const StepRecord& s) const {
    const int x = cell_of_thread(s.actor);
    // Memory: a frame's words change only under a write capability of the actor's cell.
    for (const auto& [frame, words] : s.before.memory) {
        auto after = s.after.memory.find(frame);
        if (after == s.after.memory.end() || after->second == words) {
            continue;
        }
        if (x < 0) {
            return "frame " + hex(frame) + " changed while only time passed";
        }
        if (!holds(s.before, static_cast<unsigned>(x), frame, right::write)) {
            return "cell " + std::to_string(x) + " changed frame " + hex(frame) + " without a capability to write it";
        }
    }
    if (x < 0) {
        return s.before.caps == s.after.caps ? "" : "capabilities changed while only time passed";
    }
    for (unsigned y = 0; y < d_.cells; ++y) {
        if (y != static_cast<unsigned>(x)) {
            std::string v = other_cell_unchanged(s, static_cast<unsigned>(x), y);
            if (!v.empty()) {
                return v;
            }
        }
    }
    return "";
}

// What cell x's step may do to cell y: nothing at all unless x holds a
// capability to an object y holds one to, or x's thread answers y's call;
// even then y loses only capabilities to objects x holds, and gains one
// only over a channel from x to y declared with grant.
std::string Theorems::other_cell_unchanged(const StepRecord& s, unsigned x, unsigned y) const {
    std::set<std::uint64_t> held_by_x;
    for (const auto& [where, cap] : s.before.caps) {
        if (cell_of_location(where) == static_cast<int>(x)) {
            held_by_x.insert(cap.object);
        }
    }
    bool linked = false;
    for (const auto& [where, cap] : s.before.caps) {
        linked = linked || (cell_of_location(where) == static_cast<int>(y) && held_by_x.count(cap.object) != 0);
    }
    const int caller = s.before.threads[static_cast<unsigned>(s.actor)].caller;
    linked = linked || cell_of_thread(caller) == static_cast<int>(y);
    const std::string who = "cell " + std::to_string(x) + "'s step ";
    auto slice = [&](const View& v) {
        std::map<CapLocation, CapView> caps;
        for (const auto& [where, cap] : v.caps) {
            if (cell_of_location(where) == static_cast<int>(y)) {
                caps[where] = cap;
            }
        }
        return caps;
    };
    const auto before = slice(s.before), after = slice(s.after);
    if (!linked) {
        for (unsigned t = 0; t < threads_per_cell; ++t) {
            const unsigned i = y * threads_per_cell + t;
            if (!(s.before.threads[i] == s.after.threads[i])) {
                return who + "changed thread " + std::to_string(i) + " of cell " + std::to_string(y) +
                       ", with which it shares nothing";
            }
        }
        if (before != after) {
            return who + "changed the capabilities of cell " + std::to_string(y) + ", with which it shares nothing";
        }
        return "";
    }
    for (const auto& [where, cap] : before) {
        auto it = after.find(where);
        if ((it == after.end() || !(it->second == cap)) && held_by_x.count(cap.object) == 0) {
            return who + "took or changed a capability of cell " + std::to_string(y) + " to " + hex(cap.object) +
                   ", an object it holds no capability to";
        }
    }
    bool granting = false;
    const Action& a = s.action;
    for (const Channel& ch : d_.channels) {
        granting = granting || (a.kind == Action::Kind::syscall && a.cptr == slot::channel_out && ch.from == x &&
                                ch.to == y && ch.grant);
    }
    for (const auto& [where, cap] : after) {
        if (before.count(where) == 0 && !granting) {
            return who + "gave cell " + std::to_string(y) + " a capability to " + hex(cap.object) +
                   " outside a channel declared with grant";
        }
    }
    return "";
}

std::uint64_t Theorems::competition(unsigned t, std::uint64_t k) const {
    const ThreadConfig& mine = config(t);
    const std::uint64_t from = k * mine.period, to = from + mine.period;  // [from, to)
    std::uint64_t most = 0;
    for (unsigned j = 0; j < d_.thread_count(); ++j) {
        const ThreadConfig& c = config(j);
        if (j == t || c.priority < mine.priority) {
            continue;
        }
        if (c.period == 0) {
            return ~std::uint64_t{0};
        }
        most += c.budget * ((to - 1) / c.period - from / c.period + 1);
    }
    return most;
}

std::string Theorems::end_of_period(unsigned t) const {
    const ThreadConfig& c = config(t);
    const Share& s = shares_[t];
    if (!s.wanting || s.received >= c.budget || competition(t, s.period) > c.period - c.budget) {
        return "";
    }
    return "thread " + std::to_string(t) + " wanted the CPU throughout period " + std::to_string(s.period) +
           " (cycles " + std::to_string(s.period * c.period) + " to " + std::to_string((s.period + 1) * c.period) +
           ") but received " + std::to_string(s.received) + " of its budget of " + std::to_string(c.budget) +
           ", though the threads that may compete with it could take at most " +
           std::to_string(competition(t, s.period)) + " of the " + std::to_string(c.period);
}

// Each stretch is cut at each thread's period boundaries; a period is
// judged as it ends.
std::string Theorems::cpu_isolation(const std::vector<Segment>& segments) {
    for (const Segment& seg : segments) {
        for (unsigned t = 0; t < d_.thread_count(); ++t) {
            const ThreadConfig& c = config(t);
            if (c.period == 0) {
                continue;
            }
            Share& s = shares_[t];
            const bool ready = (seg.ready >> t & 1u) != 0;
            for (std::uint64_t at = seg.from; at < seg.to;) {
                const std::uint64_t end = (s.period + 1) * c.period;
                const std::uint64_t upto = std::min(seg.to, end);
                s.wanting = s.wanting && (ready || s.received >= c.budget);
                if (seg.running == static_cast<int>(t)) {
                    s.received += upto - at;
                }
                if (s.received > c.budget) {
                    return "thread " + std::to_string(t) + " received " + std::to_string(s.received) +
                           " cycles in period " + std::to_string(s.period) + " (cycles " +
                           std::to_string(s.period * c.period) + " to " + std::to_string(end) +
                           "), more than its budget of " + std::to_string(c.budget);
                }
                if (upto == end) {
                    if (std::string v = end_of_period(t); !v.empty()) {
                        return v;
                    }
                    s = Share{s.period + 1, 0, true};
                }
                at = upto;
            }
        }
    }
    return "";
}

std::string observe(const View& v, const Theorems& t, unsigned cell, int actor, std::uint64_t loaded,
                    const std::vector<Segment>& segments) {
    std::ostringstream o;
    o << "now " << v.now << " run " << (t.cell_of_thread(v.running) == static_cast<int>(cell) ? v.running : -1);
    for (const Segment& s : segments) {
        if (t.cell_of_thread(s.running) == static_cast<int>(cell)) {
            o << " ran " << s.running << " " << s.from << "-" << s.to;
        }
    }
    if (t.cell_of_thread(actor) == static_cast<int>(cell)) {
        o << " loaded " << loaded;
    }
    for (unsigned i = 0; i < v.threads.size(); ++i) {
        if (t.cell_of_thread(static_cast<int>(i)) == static_cast<int>(cell)) {
            const ThreadView& th = v.threads[i];
            o << " | t" << i << " " << unsigned{th.state};
            for (std::uint64_t r : th.regs) {
                o << " " << r;
            }
        }
    }
    for (const auto& [where, cap] : v.caps) {
        if (t.cell_of_location(where) == static_cast<int>(cell)) {
            o << " | " << where.second << ":" << unsigned{cap.kind} << "," << cap.object << "," << unsigned{cap.rights}
              << "," << cap.badge << "," << cap.mapped_address;
            if (cap.kind == static_cast<std::uint8_t>(caps::ObjectKind::frame_4k)) {
                for (std::uint64_t w : v.memory.at(cap.object)) {
                    o << " " << w;
                }
            }
        }
    }
    return o.str();
}

}  // namespace septum::kernel::proofs
