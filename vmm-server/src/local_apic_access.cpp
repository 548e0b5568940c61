// How the guest reaches the local APIC's registers: xAPIC MMIO, the
// x2APIC MSRs and IA32_APIC_BASE, which moves between the two modes
// (SDM Vol. 3A 10.4, 10.12). The registers themselves are local_apic.cpp's.
#include <septum/vmm/local_apic.hpp>

namespace septum::vmm {

namespace {

enum class Access : std::uint8_t { none, read_only, read_write, write_only };

// Which registers exist in which mode, and how (SDM Table 10-1 for the
// xAPIC, Table 10-6 for the x2APIC). Offsets are 16-byte aligned.
Access access(std::uint32_t offset, bool x2apic) {
    switch (offset) {
        case LocalApic::id_reg:
        case LocalApic::version_reg:
        case LocalApic::ppr_reg:
        case LocalApic::current_count_reg:
            return Access::read_only;
        case LocalApic::apr_reg:
            return x2apic ? Access::none : Access::read_only;
        case LocalApic::ldr_reg:
            return x2apic ? Access::read_only : Access::read_write;
        case LocalApic::dfr_reg:
        case LocalApic::icr_high_reg:  // the ICR is one 64-bit MSR in x2APIC mode
            return x2apic ? Access::none : Access::read_write;
        case LocalApic::eoi_reg:
            return Access::write_only;
        case LocalApic::self_ipi_reg:
            return x2apic ? Access::write_only : Access::none;
        case LocalApic::tpr_reg:
        case LocalApic::svr_reg:
        case LocalApic::esr_reg:
        case LocalApic::lvt_cmci_reg:
        case LocalApic::icr_low_reg:
        case LocalApic::initial_count_reg:
        case LocalApic::divide_reg:
            return Access::read_write;
        default:
            break;
    }
    if (offset >= LocalApic::isr_reg && offset < LocalApic::esr_reg) {
        return Access::read_only;  // ISR, TMR, IRR: eight dwords each
    }
    if (offset >= LocalApic::lvt_timer_reg && offset <= LocalApic::lvt_error_reg) {
        return Access::read_write;
    }
    return Access::none;
}

}  // namespace

// --- IA32_APIC_BASE (SDM 10.4.4, 10.12.5) ------------------------------------

// The legal moves between disabled, xAPIC and x2APIC; anything else,
// reserved bits, and a new base address are #GP. Relocation is refused:
// Linux never moves the APIC, and the window's place on the MMIO bus is
// fixed. The BSP flag is the platform's and ignores writes. Disabling
// returns the registers to power-on (SDM 10.4.3 allows it).
Status LocalApic::write_base(std::uint64_t value) {
    if ((value & reserved_base_bits_) != 0 ||
        (value & ~std::uint64_t{0xfff} & ~reserved_base_bits_) != pc::local_apic_base) {
        return Status::invalid_argument;
    }
    const bool enable = (value & base_enable) != 0;
    const bool extd = (value & base_extd) != 0;
    if ((!enable && extd) || (x2apic_mode() && enable && !extd) || (!enabled() && extd)) {
        return Status::invalid_argument;  // invalid state, x2APIC to xAPIC, disabled to x2APIC
    }
    if (enabled() && !enable) {
        advance(clock_.tsc());
        power_on_registers();
        nmi_pending_ = false;
    }
    if (!x2apic_mode() && extd) {
        // The x2APIC ID is the whole 32-bit ID register; the LDR derives
        // from it: cluster in bits 31:16, one bit of 16 in 15:0 (10.12.10.2).
        const std::uint32_t id = pc::bsp_apic_id;
        at(id_reg) = id;
        at(ldr_reg) = (id >> 4) << 16 | 1u << (id & 0xf);
    }
    base_ = (base_ & base_bsp) | (value & ~base_bsp);
    commit();
    return Status::ok;
}

// --- xAPIC MMIO ------------------------------------------------------------

// Registers are 32 bits at the start of each 16-byte slot. Reads of any
// width see the register's bytes (and zeros beyond them); writes take
// effect only as aligned dwords (or the low dword of a qword), as the SDM
// guarantees no more (10.4.1). An offset no register holds reads 0 and
// sets ESR's illegal-register-address bit. A globally disabled APIC, or
// one in x2APIC mode, answers no MMIO (SDM 10.12.1.2): reads float high.
std::uint64_t LocalApic::read(std::uint64_t offset, unsigned size) {
    if (!enabled() || x2apic_mode()) {
        return all_ones(size);
    }
    const auto slot = static_cast<std::uint32_t>(offset & ~std::uint64_t{0xf});
    const auto byte = static_cast<unsigned>(offset & 0xf);
    if (offset >= window || access(slot, false) == Access::none) {
        error(esr_illegal_register);
        return 0;
    }
    if (byte >= 4) {
        return 0;
    }
    return (std::uint64_t{read_register(slot)} >> (8 * byte)) & all_ones(size);
}

Outcome LocalApic::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
    if (!enabled() || x2apic_mode()) {
        return Outcome::resume();
    }
    const auto slot = static_cast<std::uint32_t>(offset & ~std::uint64_t{0xf});
    const Access a = offset < window ? access(slot, false) : Access::none;
    if (a == Access::none) {
        error(esr_illegal_register);
    } else if ((offset & 0xf) == 0 && size >= 4 && a != Access::read_only) {
        write_register(slot, static_cast<std::uint32_t>(value));
    }
    commit();
    return Outcome::resume();
}

// --- APIC writes under APIC-register virtualization (SDM Vol. 3C 29.4.3) ---

// The value is in the page already: put back the one before and write it
// as an emulated access would, so that a read-only register keeps its
// value, writable bits are masked and the side effects (the timer, SVR's
// masking, ESR's latch, the IPI) see the old state. An offset no register
// starts at keeps the value before too.
void LocalApic::apic_written(std::uint32_t offset) {
    if (offset >= registers_end) {
        return;
    }
    const std::uint32_t slot = offset & ~std::uint32_t{0xf};
    const std::uint32_t value = reg(slot);
    at(slot) = applied_[slot / 16];
    const Access a = access(slot, x2apic_mode());
    if ((offset & 0xf) == 0 && (a == Access::read_write || a == Access::write_only)) {
        write_register(slot, value);
    }
    commit();
}

// --- x2APIC MSRs (SDM 10.12.1.2) ----------------------------------------------

Result<std::uint64_t> LocalApic::read_x2apic(std::uint32_t msr) const {
    if (!x2apic_mode() || msr < first_x2apic_msr || msr > last_x2apic_msr) {
        return Status::invalid_argument;
    }
    const std::uint32_t offset = (msr - first_x2apic_msr) << 4;
    const Access a = access(offset, true);
    if (a == Access::none || a == Access::write_only) {
        return Status::invalid_argument;
    }
    if (offset == icr_low_reg) {
        return std::uint64_t{reg(icr_high_reg)} << 32 | reg(icr_low_reg);
    }
    return std::uint64_t{read_register(offset)};
}

Status LocalApic::write_x2apic(std::uint32_t msr, std::uint64_t value) {
    if (!x2apic_mode() || msr < first_x2apic_msr || msr > last_x2apic_msr) {
        return Status::invalid_argument;
    }
    const std::uint32_t offset = (msr - first_x2apic_msr) << 4;
    const Access a = access(offset, true);
    if (a == Access::none || a == Access::read_only) {
        return Status::invalid_argument;
    }
    if (offset == icr_low_reg) {
        at(icr_high_reg) = static_cast<std::uint32_t>(value >> 32);
        write_register(icr_low_reg, static_cast<std::uint32_t>(value));
        commit();
        return Status::ok;
    }
    // Bits 63:32 are reserved everywhere else; EOI and ESR take only 0;
    // SELF IPI only a vector.
    const bool must_be_zero = offset == eoi_reg || offset == esr_reg;
    if ((value >> 32) != 0 || (must_be_zero && value != 0) || (offset == self_ipi_reg && value > 0xff)) {
        return Status::invalid_argument;
    }
    write_register(offset, static_cast<std::uint32_t>(value));
    commit();
    return Status::ok;
}

}  // namespace septum::vmm
