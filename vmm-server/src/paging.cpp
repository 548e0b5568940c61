#include <septum/vmm/paging.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

struct Walk {
    const GuestMemory& memory;
    const Vcpu& vcpu;
    Access access;
    std::uint64_t linear;
    bool writable = true;
    bool user = true;
    bool executable = true;

    // One level: the entry at `table` + index * size, or a non-ok status.
    Status entry(std::uint64_t table, std::uint64_t index, bool wide, std::uint64_t& out) const {
        if (wide) {
            return memory.read_u64(table + index * 8, out);
        }
        std::uint32_t e = 0;
        SEPTUM_TRY(memory.read_u32(table + index * 4, e));
        out = e;
        return Status::ok;
    }

    void accumulate(std::uint64_t e, bool wide) {
        writable = writable && (e & x86::pte::write) != 0;
        user = user && (e & x86::pte::user) != 0;
        executable = executable && !(wide && (e & x86::pte::nx) != 0);
    }

    // The page-fault error code for this access (SDM 4.7).
    [[nodiscard]] std::uint32_t error(bool present) const {
        std::uint32_t code = present ? x86::pf_error::present : 0;
        code |= access == Access::write ? x86::pf_error::write : 0;
        code |= vcpu.cpl() == 3 ? x86::pf_error::user : 0;
        const auto& s = vcpu.state();
        const bool nx_on = (s.efer & x86::efer::nxe) != 0 && (s.cr4 & x86::cr4::pae) != 0;
        code |= access == Access::fetch && nx_on ? x86::pf_error::fetch : 0;
        return code;
    }

    // Access rights once the walk reached the page (SDM 4.6).
    [[nodiscard]] Translation finish(std::uint64_t gpa) const {
        const auto& s = vcpu.state();
        const bool user_mode = vcpu.cpl() == 3;
        const bool wp = (s.cr0 & x86::cr0::wp) != 0;
        bool allowed = !(user_mode && !user);
        if (access == Access::write && !writable && (user_mode || wp)) {
            allowed = false;
        }
        if (access == Access::fetch && !executable && (s.efer & x86::efer::nxe) != 0) {
            allowed = false;
        }
        if (!allowed) {
            return {Status::invalid_argument, 0, error(true)};
        }
        return {Status::ok, gpa, 0};
    }

    [[nodiscard]] Translation not_present() const { return {Status::invalid_argument, 0, error(false)}; }
};

Translation walk_32bit(Walk& w, std::uint64_t cr3) {
    std::uint64_t pde = 0;
    if (Status st = w.entry(cr3 & 0xfffff000, (w.linear >> 22) & 0x3ff, false, pde); st != Status::ok) {
        return {st, 0, 0};
    }
    if ((pde & x86::pte::present) == 0) {
        return w.not_present();
    }
    w.accumulate(pde, false);
    if ((pde & x86::pte::large) != 0 && (w.vcpu.state().cr4 & x86::cr4::pse) != 0) {
        return w.finish((pde & 0xffc00000) | (w.linear & 0x3fffff));  // 4 MiB page; PSE-36 bits ignored
    }
    std::uint64_t pte = 0;
    if (Status st = w.entry(pde & 0xfffff000, (w.linear >> 12) & 0x3ff, false, pte); st != Status::ok) {
        return {st, 0, 0};
    }
    if ((pte & x86::pte::present) == 0) {
        return w.not_present();
    }
    w.accumulate(pte, false);
    return w.finish((pte & 0xfffff000) | (w.linear & 0xfff));
}

// PAE and 4-level paging share their lower levels; `levels` is 3 or 4.
Translation walk_wide(Walk& w, std::uint64_t cr3, unsigned levels) {
    std::uint64_t table = levels == 4 ? cr3 & x86::pte::address : cr3 & 0xffffffe0;
    for (unsigned level = levels; level >= 1; --level) {
        const unsigned shift = 12 + 9 * (level - 1);
        const std::uint64_t index = levels == 3 && level == 3 ? (w.linear >> 30) & 3 : (w.linear >> shift) & 0x1ff;
        std::uint64_t e = 0;
        if (Status st = w.entry(table, index, true, e); st != Status::ok) {
            return {st, 0, 0};
        }
        if ((e & x86::pte::present) == 0) {
            return w.not_present();
        }
        // PAE's PDPTEs carry no access rights (SDM 4.4.1).
        if (!(levels == 3 && level == 3)) {
            w.accumulate(e, true);
        }
        const bool large_allowed = level == 2 || (level == 3 && levels == 4);
        if (level == 1 || (large_allowed && (e & x86::pte::large) != 0)) {
            const std::uint64_t offset_mask = (std::uint64_t{1} << shift) - 1;
            return w.finish((e & x86::pte::address & ~offset_mask) | (w.linear & offset_mask));
        }
        table = e & x86::pte::address;
    }
    return w.not_present();  // not reached: level 1 always finishes
}

}  // namespace

Translation translate(const GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, Access access) {
    const abi::VcpuState& s = vcpu.state();
    if ((s.cr0 & x86::cr0::pg) == 0) {
        return {Status::ok, linear & linear_mask(vcpu), 0};
    }
    Walk w{memory, vcpu, access, linear};
    if ((s.efer & x86::efer::lma) != 0) {
        return walk_wide(w, s.cr3, 4);
    }
    if ((s.cr4 & x86::cr4::pae) != 0) {
        return walk_wide(w, s.cr3, 3);
    }
    return walk_32bit(w, s.cr3);
}

namespace {

// Moves `length` bytes at `linear` a page at a time: `move(gpa, done,
// chunk)` reads or writes the guest-physical side. Stops at the first
// translation fault or memory error, which `fault` reports.
template <typename Move>
std::size_t move_linear(const GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, std::size_t length,
                        Access access, Translation& fault, Move move) {
    std::size_t done = 0;
    fault = {Status::ok, 0, 0};
    while (done < length) {
        const std::uint64_t at = (linear + done) & linear_mask(vcpu);
        const Translation t = translate(memory, vcpu, at, access);
        if (t.status != Status::ok) {
            fault = t;
            fault.gpa = at;  // the linear address that failed, for CR2
            return done;
        }
        const std::uint64_t in_page = x86::page_size - (at & (x86::page_size - 1));
        const std::size_t chunk = length - done < in_page ? length - done : static_cast<std::size_t>(in_page);
        if (Status st = move(t.gpa, done, chunk); st != Status::ok) {
            fault = {st, t.gpa, 0};
            return done;
        }
        done += chunk;
    }
    return done;
}

}  // namespace

std::size_t read_linear(const GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, void* out,
                        std::size_t length, Access access, Translation& fault) {
    auto* to = static_cast<std::uint8_t*>(out);
    return move_linear(
        memory, vcpu, linear, length, access, fault,
        [&](std::uint64_t gpa, std::size_t done, std::size_t chunk) { return memory.read(gpa, to + done, chunk); });
}

std::size_t write_linear(GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, const void* in,
                         std::size_t length, Translation& fault) {
    const auto* from = static_cast<const std::uint8_t*>(in);
    return move_linear(
        memory, vcpu, linear, length, Access::write, fault,
        [&](std::uint64_t gpa, std::size_t done, std::size_t chunk) { return memory.write(gpa, from + done, chunk); });
}

std::uint64_t segment_base(const Vcpu& vcpu, unsigned sreg) {
    const abi::VcpuState& s = vcpu.state();
    const bool flat = vcpu.mode() == CpuMode::long64;
    switch (sreg) {
        case 0:
            return flat ? 0 : s.es.base;
        case 1:
            return flat ? 0 : s.cs.base;
        case 2:
            return flat ? 0 : s.ss.base;
        case 4:
            return s.fs.base;
        case 5:
            return s.gs.base;
        default:
            return flat ? 0 : s.ds.base;
    }
}

std::uint64_t linear_mask(const Vcpu& vcpu) {
    return vcpu.mode() == CpuMode::long64 ? ~std::uint64_t{0} : std::uint64_t{0xffffffff};
}

}  // namespace septum::vmm
