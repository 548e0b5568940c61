// Control- and debug-register accesses: MOV to/from CR0, CR3, CR4, CR8,
// CLTS, LMSW (SDM Vol. 3C Table 28-3) and MOV DR (Table 28-4). A new value
// is checked as MOV to CR checks it (SDM Vol. 2B "MOV - Move to/from
// Control Registers", Vol. 3A 2.5) and refused with #GP.
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/qualification.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

bool long_mode(const abi::VcpuState& s) { return (s.efer & x86::efer::lma) != 0; }

// CR0: no bits beyond the defined ones; PG needs PE; NW needs CD; PG with
// LME needs PAE; PG cannot go off in 64-bit code.
bool valid_cr0(const Vcpu& vcpu, std::uint64_t value) {
    const abi::VcpuState& s = vcpu.state();
    if ((value & ~x86::cr0::defined) != 0) {
        return false;
    }
    if ((value & x86::cr0::pg) != 0 && (value & x86::cr0::pe) == 0) {
        return false;
    }
    if ((value & x86::cr0::nw) != 0 && (value & x86::cr0::cd) == 0) {
        return false;
    }
    const bool enabling_paging = (value & x86::cr0::pg) != 0 && (s.cr0 & x86::cr0::pg) == 0;
    if (enabling_paging && (s.efer & x86::efer::lme) != 0 && (s.cr4 & x86::cr4::pae) == 0) {
        return false;
    }
    return !((value & x86::cr0::pg) == 0 && vcpu.mode() == CpuMode::long64);
}

Outcome write_cr0(Vcpu& vcpu, std::uint64_t value) {
    if (!valid_cr0(vcpu, value)) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    abi::VcpuState& s = vcpu.edit(abi::vcpu_state::control);
    const std::uint64_t lme = s.efer & x86::efer::lme;
    // Paging on with LME is IA-32e mode; off, it ends (SDM Vol. 3A 10.8.5).
    if ((value & x86::cr0::pg) != 0 && lme != 0) {
        s.efer |= x86::efer::lma;
    } else {
        s.efer &= ~x86::efer::lma;
    }
    s.cr0 = value | x86::cr0::et;  // ET is fixed to 1 on every processor since the i486
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome write_cr3(Guest& guest, Vcpu& vcpu, std::uint64_t value) {
    // Bits above the physical-address width are reserved in IA-32e mode;
    // outside it only the low 32 bits are loaded.
    if (long_mode(vcpu.state())) {
        if ((value >> guest.cpuid.physical_address_bits()) != 0) {
            vcpu.inject_gp();
            return Outcome::resume();
        }
    } else {
        value &= 0xffffffff;
    }
    vcpu.edit(abi::vcpu_state::control).cr3 = value;
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome write_cr4(Guest& guest, Vcpu& vcpu, std::uint64_t value) {
    const abi::VcpuState& s = vcpu.state();
    const bool bad = (value & ~guest.cpuid.allowed_cr4()) != 0 ||
                     (long_mode(s) && (value & x86::cr4::pae) == 0);  // PAE stays on in IA-32e mode
    if (bad) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    vcpu.edit(abi::vcpu_state::control).cr4 = value;
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome write_cr8(Guest& guest, Vcpu& vcpu, std::uint64_t value) {
    if ((value & ~std::uint64_t{0xf}) != 0) {  // bits 63:4 reserved
        vcpu.inject_gp();
        return Outcome::resume();
    }
    guest.set_cr8(static_cast<std::uint8_t>(value));
    vcpu.skip_instruction();
    return Outcome::resume();
}

Outcome mov_from_cr(Guest& guest, Vcpu& vcpu, const CrQualification& q) {
    const abi::VcpuState& s = vcpu.state();
    std::uint64_t value = 0;
    switch (q.cr) {
        case 0:
            value = s.cr0;
            break;
        case 3:
            value = s.cr3;
            break;
        case 4:
            value = s.cr4;
            break;
        case 8:
            value = guest.cr8();
            break;
        default:
            vcpu.inject_ud();
            return Outcome::resume();
    }
    vcpu.set_gpr(q.gpr, vcpu.mode() == CpuMode::long64 ? value : value & 0xffffffff);
    vcpu.skip_instruction();
    return Outcome::resume();
}

}  // namespace

Outcome handle_cr_access(Guest& guest, Vcpu& vcpu) {
    const CrQualification q = decode_cr(vcpu.exit().qualification);
    const std::uint64_t cr0 = vcpu.state().cr0;
    switch (q.type) {
        case CrAccessType::clts:
            return write_cr0(vcpu, cr0 & ~x86::cr0::ts);
        case CrAccessType::lmsw: {
            // LMSW loads MP, EM, TS and PE, and cannot clear PE (SDM Vol. 2A LMSW).
            const std::uint64_t low = q.lmsw_source & 0xf;
            return write_cr0(vcpu, (cr0 & ~std::uint64_t{0xe}) | low | (cr0 & x86::cr0::pe));
        }
        case CrAccessType::mov_from_cr:
            return mov_from_cr(guest, vcpu, q);
        case CrAccessType::mov_to_cr:
            break;
    }
    std::uint64_t value = vcpu.gpr(q.gpr);
    if (vcpu.mode() != CpuMode::long64) {
        value &= 0xffffffff;
    }
    switch (q.cr) {
        case 0:
            return write_cr0(vcpu, value);
        case 3:
            return write_cr3(guest, vcpu, value);
        case 4:
            return write_cr4(guest, vcpu, value);
        case 8:
            return write_cr8(guest, vcpu, value);
        default:  // CR1, CR5-7, CR9-15 do not exist
            vcpu.inject_ud();
            return Outcome::resume();
    }
}

// MOV DR: kept in the VMM (Guest::debug). DR4/DR5 alias DR6/DR7 unless
// CR4.DE makes them #UD; DR6 and DR7 have no bits above 31 (SDM Vol. 3B 18.2).
Outcome handle_dr_access(Guest& guest, Vcpu& vcpu) {
    const DrQualification q = decode_dr(vcpu.exit().qualification);
    if (vcpu.cpl() != 0) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    unsigned dr = q.dr;
    if (dr == 4 || dr == 5) {
        if ((vcpu.state().cr4 & x86::cr4::de) != 0) {
            vcpu.inject_ud();
            return Outcome::resume();
        }
        dr += 2;
    }
    std::uint64_t* slot = dr < 4 ? &guest.debug.dr[dr] : dr == 6 ? &guest.debug.dr6 : &guest.debug.dr7;
    if (q.from_dr) {
        vcpu.set_gpr(q.gpr, *slot);
    } else {
        const std::uint64_t value = vcpu.gpr(q.gpr);
        if (dr >= 6 && (value >> 32) != 0) {
            vcpu.inject_gp();
            return Outcome::resume();
        }
        *slot = value;
    }
    vcpu.skip_instruction();
    return Outcome::resume();
}

}  // namespace septum::vmm
