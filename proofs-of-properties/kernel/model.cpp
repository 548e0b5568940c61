#include "model.hpp"

#include <cstdio>
#include <sstream>

namespace septum::kernel::proofs {

namespace {

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44d;
    return x ^ (x >> 33);
}

const char* syscall_name(abi::Syscall s) {
    switch (s) {
#define SEPTUM_SYSCALL_NAME(name, number, summary) \
    case abi::Syscall::name:                       \
        return #name;
        SEPTUM_SYSCALLS(SEPTUM_SYSCALL_NAME)
#undef SEPTUM_SYSCALL_NAME
    }
    return "unknown";
}

std::string hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
    return b;
}

}  // namespace

std::string Description::describe() const {
    std::ostringstream o;
    o << cells << " cells";
    for (const Channel& c : channels) {
        o << ", channel " << c.from << "->" << c.to << (c.grant ? " (grant)" : "");
    }
    for (const SharedFrame& f : shared) {
        o << ", frame of " << f.owner << " shared with " << f.peer << (f.writable ? " (rw)" : " (ro)");
    }
    return o.str();
}

std::uint64_t own_badge(const Description& d, unsigned cell, bool notification) {
    const std::uint64_t base = (std::uint64_t{cell} + 1) << (notification ? 8 : 4);
    return cell == 0 ? base | ((mix(d.secret + (notification ? 2 : 1)) & 0xff) << 16) : base;
}

std::uint64_t initial_word(const Description& d, unsigned cell, bool offered, unsigned i) {
    const std::uint64_t v = (std::uint64_t{cell} << 32) | (offered ? 0x100u : 0u) | i;
    return cell == 0 ? mix(d.secret ^ (v + 0x51)) : v;
}

int Placement::region_of(std::uint64_t phys) const {
    for (unsigned c = 0; c < max_cells; ++c) {
        const std::uint64_t base = cells[c].data_frame;
        if (base != 0 && phys >= base && phys < base + region_bytes) {
            return static_cast<int>(c);
        }
    }
    return -1;
}

std::string Action::describe() const {
    std::ostringstream o;
    if (run.before_deadline) {
        o << "run to " << run.cycles << " before the deadline, ";
    } else if (run.cycles != 0) {
        o << "run " << run.cycles << ", ";
    }
    switch (kind) {
        case Kind::spin:
            o << "spin";
            return o.str();
        case Kind::store:
            o << "store " << hex(value) << " to " << hex(address) << " word " << word;
            return o.str();
        case Kind::load:
            o << "load " << hex(address) << " word " << word;
            return o.str();
        case Kind::syscall:
            break;
    }
    o << syscall_name(number) << "(" << cptr << ") label " << label << " length " << unsigned{length};
    if (extra_caps != 0) {
        o << " +cap " << send_cap;
    }
    if (receive_slot != 0) {
        o << " recv->" << receive_slot;
    }
    o << " [";
    for (unsigned i = 0; i < words.size(); ++i) {
        o << (i ? " " : "") << hex(words[i]);
    }
    o << "]";
    return o.str();
}

Action with_secret(const Action& a, std::uint64_t secret) {
    Action s = a;
    if (a.kind == Action::Kind::store) {
        s.value = mix(secret ^ a.value ^ 0x5707e);
        return s;
    }
    if (a.kind != Action::Kind::syscall || !a.message) {
        return s;
    }
    const bool declared =
        a.number == abi::Syscall::reply_recv || a.cptr == slot::channel_out || a.cptr == slot::channel_in;
    for (unsigned i = 0; i < abi::register_message_count; ++i) {
        if (i >= a.length || !declared) {
            s.words[i] = mix(secret ^ (a.words[i] + i + 0x3e));
        }
    }
    return s;
}

std::string difference(const View& spec, const View& real) {
    std::ostringstream o;
    if (spec.running != real.running) {
        o << "running thread: spec " << spec.running << ", kernel " << real.running;
        return o.str();
    }
    if (spec.now != real.now) {
        o << "time: spec " << spec.now << ", kernel " << real.now;
        return o.str();
    }
    for (unsigned t = 0; t < spec.threads.size() && t < real.threads.size(); ++t) {
        const ThreadView& a = spec.threads[t];
        const ThreadView& b = real.threads[t];
        if (a.state != b.state) {
            o << "thread " << t << " state: spec " << unsigned{a.state} << ", kernel " << unsigned{b.state};
            return o.str();
        }
        if (a.caller != b.caller) {
            o << "thread " << t << " caller: spec " << a.caller << ", kernel " << b.caller;
            return o.str();
        }
        static const char* const names[] = {"rax", "rdi", "rsi", "rdx", "r8", "r9", "r10"};
        for (unsigned r = 0; r < a.regs.size(); ++r) {
            if (a.regs[r] != b.regs[r]) {
                o << "thread " << t << " " << names[r] << ": spec " << hex(a.regs[r]) << ", kernel " << hex(b.regs[r]);
                return o.str();
            }
        }
    }
    auto caps_text = [](const std::map<CapLocation, CapView>& m) {
        std::ostringstream c;
        for (const auto& [where, cap] : m) {
            c << "  " << hex(where.first) << "[" << where.second << "] kind " << unsigned{cap.kind} << " obj "
              << hex(cap.object) << " rights " << unsigned{cap.rights} << " badge " << hex(cap.badge) << " map "
              << hex(cap.mapped_root) << ":" << hex(cap.mapped_address) << "\n";
        }
        return c.str();
    };
    if (spec.caps != real.caps) {
        return "capabilities differ\nspec:\n" + caps_text(spec.caps) + "kernel:\n" + caps_text(real.caps);
    }
    for (const auto& [frame, words] : spec.memory) {
        auto it = real.memory.find(frame);
        if (it == real.memory.end() || it->second != words) {
            return "memory of frame " + hex(frame) + " differs";
        }
    }
    if (spec.memory.size() != real.memory.size()) {
        return "a frame is observed on one side only";
    }
    if (spec.waiting != real.waiting) {
        return "the threads waiting in an Endpoint or Notification differ";
    }
    if (spec.signals != real.signals) {
        return "a Notification's word differs";
    }
    return "";
}

}  // namespace septum::kernel::proofs
