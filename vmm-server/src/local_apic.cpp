// The local APIC's registers, priorities, interrupt acceptance and EOI
// (SDM Vol. 3A chapter 10). The timer is local_apic_timer.cpp's; MMIO,
// the x2APIC MSRs and IA32_APIC_BASE are local_apic_access.cpp's.
#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/local_apic.hpp>

namespace septum::vmm {

namespace {

// Version register (SDM 10.4.8): the version, the highest LVT entry
// (bits 23:16: seven entries, CMCI included) and bit 24, EOI-broadcast
// suppression, which SVR bit 12 then controls.
constexpr std::uint32_t version_value = pc::local_apic_version | (6u << 16) | (1u << 24);
constexpr std::uint32_t svr_writable = 0x3ff | LocalApic::svr_suppress_eoi_broadcast;

// LVT bits a write may set (SDM Figure 10-8): vector, delivery mode (not
// for the timer and error entries), input pin polarity and trigger mode
// (LINT0/1 only), mask, timer mode. Delivery status and remote IRR are
// the APIC's and read 0: nothing is ever held back.
constexpr std::uint32_t lvt_vector = 0xff;
constexpr std::uint32_t lvt_mode = 0x700;
constexpr std::uint32_t lvt_lint_bits = (1u << 13) | (1u << 15);
constexpr std::uint32_t lvt_timer_mode = 3u << 17;

// ICR (SDM Figure 10-12): vector, delivery mode, destination mode, level,
// trigger mode, destination shorthand. Delivery status (12) reads 0.
constexpr std::uint32_t icr_writable = 0xff | 0x700 | (1u << 11) | (1u << 14) | (1u << 15) | (3u << 18);
constexpr std::uint32_t icr_logical = 1u << 11;

constexpr std::uint32_t xapic_id_shift = 24;
constexpr std::uint32_t dfr_flat = 0xf;
constexpr std::uint32_t dfr_cluster = 0x0;

std::uint32_t lvt_writable(std::uint32_t offset) {
    switch (offset) {
        case LocalApic::lvt_timer_reg:
            return lvt_vector | LocalApic::lvt_masked | lvt_timer_mode;
        case LocalApic::lvt_error_reg:
            return lvt_vector | LocalApic::lvt_masked;
        case LocalApic::lvt_lint0_reg:
        case LocalApic::lvt_lint1_reg:
            return lvt_vector | lvt_mode | lvt_lint_bits | LocalApic::lvt_masked;
        default:  // CMCI, thermal, performance counters
            return lvt_vector | lvt_mode | LocalApic::lvt_masked;
    }
}

constexpr std::uint32_t lvts[] = {LocalApic::lvt_cmci_reg, LocalApic::lvt_timer_reg, LocalApic::lvt_thermal_reg,
                                  LocalApic::lvt_perf_reg, LocalApic::lvt_lint0_reg, LocalApic::lvt_lint1_reg,
                                  LocalApic::lvt_error_reg};

}  // namespace

LocalApic::LocalApic(const Clock& clock, const CpuidPolicy& cpuid, ApicPage& page)
    : clock_{clock},
      crystal_ratio_{cpuid.crystal().tsc_ratio},
      x2apic_supported_{cpuid.options().x2apic},
      reserved_base_bits_{(~std::uint64_t{0} << cpuid.physical_address_bits()) | 0x2ff |
                          (cpuid.options().x2apic ? 0 : base_extd)},
      page_{page} {
    reset();
}

void LocalApic::reset() {
    base_ = pc::local_apic_base | base_bsp | base_enable;
    nmi_pending_ = false;
    power_on_registers();
    commit();
}

void LocalApic::commit() {
    for (std::uint32_t slot = 0; slot < registers_end / 16; ++slot) {
        applied_[slot] = reg(slot * 16);
    }
}

void LocalApic::power_on_registers() {
    page_ = ApicPage{};
    at(id_reg) = std::uint32_t{pc::bsp_apic_id} << xapic_id_shift;
    at(version_reg) = version_value;
    at(dfr_reg) = ~std::uint32_t{0};
    at(svr_reg) = 0xff;
    for (const std::uint32_t lvt : lvts) {
        at(lvt) = lvt_masked;
    }
    timer_ = Timer{};
    esr_pending_ = 0;
}

// --- the 256-bit registers ------------------------------------------------

bool LocalApic::test(std::uint32_t base, std::uint8_t vector) const {
    return (reg(base + (vector / 32u) * 16) >> (vector % 32) & 1) != 0;
}

void LocalApic::set_bit(std::uint32_t base, std::uint8_t vector, bool on) {
    std::uint32_t& word = at(base + (vector / 32u) * 16);
    const std::uint32_t bit = std::uint32_t{1} << (vector % 32);
    word = on ? word | bit : word & ~bit;
}

int LocalApic::highest(std::uint32_t base) const {
    for (int word = 7; word >= 0; --word) {
        const std::uint32_t bits = reg(base + static_cast<std::uint32_t>(word) * 16);
        if (bits != 0) {
            return word * 32 + 31 - __builtin_clz(bits);
        }
    }
    return -1;
}

// PPR (SDM 10.8.3.1): the TPR, or the class of the highest vector in
// service if that is higher.
void LocalApic::update_ppr() {
    const std::uint32_t tpr = reg(tpr_reg);
    const int isrv = highest(isr_reg);
    const std::uint32_t in_service = isrv < 0 ? 0 : static_cast<std::uint32_t>(isrv) & 0xf0;
    at(ppr_reg) = (tpr & 0xf0) >= in_service ? tpr : in_service;
}

int LocalApic::next_interrupt() const {
    if (!enabled()) {
        return -1;
    }
    const int irrv = highest(irr_reg);
    return irrv >= 0 && (static_cast<std::uint32_t>(irrv) & 0xf0) > (reg(ppr_reg) & 0xf0) ? irrv : -1;
}

void LocalApic::acknowledge(std::uint8_t vector) {
    if (!irr(vector)) {
        return;
    }
    set_bit(irr_reg, vector, false);
    set_bit(isr_reg, vector, true);
    update_ppr();
}

void LocalApic::set_cr8(std::uint8_t value) {
    // MOV to CR8 writes TPR bits 7:4 and clears 3:0 (SDM 10.8.6.1).
    at(tpr_reg) = static_cast<std::uint32_t>(value & 0xf) << 4;
    update_ppr();
    commit();
}

// --- acceptance, errors, EOI -----------------------------------------------

void LocalApic::accept(std::uint8_t vector, bool level) {
    // A globally or software-disabled APIC takes no fixed interrupts
    // (SDM 10.4.7.2: it still answers NMI, INIT and SMI).
    if (!enabled() || !software_enabled()) {
        return;
    }
    if (vector < 16) {
        error(esr_receive_illegal_vector);  // SDM 10.5.3
        return;
    }
    set_bit(irr_reg, vector, true);
    set_bit(tmr_reg, vector, level);  // SDM 10.8.4: TMR follows the accepted trigger mode
}

// An error raises the error LVT's interrupt when it sets a new ESR bit.
// That interrupt can itself be illegal (a vector below 16): its error bit
// is then already set, so this recurses at most twice.
void LocalApic::error(std::uint32_t bits) {
    const std::uint32_t fresh = bits & ~esr_pending_;
    esr_pending_ |= bits;
    const std::uint32_t lvt = reg(lvt_error_reg);
    if (fresh != 0 && (lvt & lvt_masked) == 0) {
        accept(static_cast<std::uint8_t>(lvt & lvt_vector), false);
    }
}

// ESR (SDM 10.5.3): a write latches the errors since the last write into
// the register the guest reads, and starts collecting again.
void LocalApic::write_esr() {
    at(esr_reg) = esr_pending_;
    esr_pending_ = 0;
}

// EOI (SDM 10.8.5): retires the highest vector in service; a
// level-triggered one is broadcast to the I/O APIC unless SVR suppresses
// it. The listener may send a new message at once: the state is final
// before it is called.
void LocalApic::end_of_interrupt() {
    const int vector = highest(isr_reg);
    if (vector < 0) {
        return;
    }
    const auto v = static_cast<std::uint8_t>(vector);
    set_bit(isr_reg, v, false);
    update_ppr();
    broadcast_eoi(v);
}

void LocalApic::broadcast_eoi(std::uint8_t vector) {
    if (tmr(vector) && (reg(svr_reg) & svr_suppress_eoi_broadcast) == 0 && eoi_listener_ != nullptr) {
        eoi_listener_->end_of_interrupt(vector);
    }
}

void LocalApic::virtualized_eoi(std::uint8_t vector) {
    update_ppr();  // the CPU's own PPR virtualization did the same (29.1.3)
    broadcast_eoi(vector);
}

LocalApic::VirtualRequest LocalApic::virtual_request(bool interruptible) const {
    VirtualRequest r{};
    const int isrv = highest(isr_reg);
    r.svi = static_cast<std::uint8_t>(isrv < 0 ? 0 : isrv);
    const int next = next_interrupt();
    const bool handed = next >= 0 && interruptible;
    r.rvi = static_cast<std::uint8_t>(handed ? next : 0);
    r.window = next >= 0 && !interruptible;
    // Whether a vector stays requested beside the one handed over.
    bool waiting = false;
    for (std::uint32_t word = 0; word < 8; ++word) {
        std::uint32_t bits = reg(irr_reg + word * 16);
        if (handed && static_cast<std::uint32_t>(next) / 32 == word) {
            bits &= ~(std::uint32_t{1} << (static_cast<std::uint32_t>(next) % 32));
        }
        waiting = waiting || bits != 0;
    }
    for (unsigned w = 0; w < 4; ++w) {
        const auto pair = [this, w](std::uint32_t base) {
            return std::uint64_t{reg(base + (2 * w + 1) * 16)} << 32 | reg(base + 2 * w * 16);
        };
        r.eoi_exit[w] = pair(tmr_reg) | (waiting ? pair(isr_reg) : 0);
    }
    if (waiting && handed) {
        r.eoi_exit[r.rvi / 64] |= std::uint64_t{1} << (r.rvi % 64);
    }
    return r;
}

// Does a destination name this APIC (SDM 10.6.2)? Physical: its ID or
// the broadcast ID. Logical: the flat model's bit, or the cluster's
// number and bit (xAPIC, DFR), or the x2APIC's cluster and bit (LDR).
bool LocalApic::addressed(std::uint32_t destination, bool logical) const {
    const std::uint32_t broadcast = x2apic_mode() ? ~std::uint32_t{0} : 0xff;
    if (destination == broadcast) {
        return true;
    }
    const std::uint32_t ldr = reg(ldr_reg);
    if (x2apic_mode()) {
        return logical ? (destination >> 16) == (ldr >> 16) && (destination & ldr & 0xffff) != 0
                       : destination == reg(id_reg);
    }
    if (!logical) {
        return destination == reg(id_reg) >> xapic_id_shift;
    }
    const std::uint32_t model = reg(dfr_reg) >> 28;
    const std::uint32_t logical_id = ldr >> 24;
    if (model == dfr_flat) {
        return (logical_id & destination) != 0;
    }
    if (model == dfr_cluster) {
        return (logical_id >> 4) == (destination >> 4) && (logical_id & destination & 0xf) != 0;
    }
    return false;  // a reserved model addresses no one
}

void LocalApic::deliver(const InterruptMessage& message) {
    if (!enabled()) {
        return;
    }
    // An 8-bit destination of 0xFF is the broadcast in both modes.
    const std::uint32_t destination =
        x2apic_mode() && message.destination == 0xff ? ~std::uint32_t{0} : message.destination;
    if (!addressed(destination, message.logical)) {
        return;
    }
    switch (message.mode) {
        case DeliveryMode::fixed:
        case DeliveryMode::lowest_priority:  // the only CPU has the lowest priority
            accept(message.vector, message.level);
            break;
        case DeliveryMode::nmi:
            nmi_pending_ = true;
            break;
        case DeliveryMode::smi:     // no SMM in a guest
        case DeliveryMode::init:    // one CPU, which is running
        case DeliveryMode::extint:  // no PIC answers the INTA
            break;
    }
}

// An IPI (SDM 10.6.1). There is one CPU: only what reaches this APIC
// itself (the self shorthand, an all-including-self broadcast, or a
// destination that names it) does anything; INIT, SIPI and SMI are
// ignored, as is anything sent to other CPUs.
void LocalApic::send_ipi(std::uint32_t low, std::uint32_t destination) {
    const auto vector = static_cast<std::uint8_t>(low & 0xff);
    const auto mode = static_cast<DeliveryMode>((low >> 8) & 7);
    const std::uint32_t shorthand = (low >> 18) & 3;
    const bool to_self =
        shorthand == 1 || shorthand == 2 || (shorthand == 0 && addressed(destination, (low & icr_logical) != 0));
    if (mode == DeliveryMode::fixed || mode == DeliveryMode::lowest_priority) {
        if (vector < 16) {
            error(esr_send_illegal_vector);
            return;
        }
        if (to_self) {
            accept(vector, false);  // an IPI is edge-triggered
        }
    } else if (mode == DeliveryMode::nmi && to_self && shorthand != 1) {
        nmi_pending_ = true;
    }
}

// --- registers ---------------------------------------------------------------

std::uint32_t LocalApic::read_register(std::uint32_t offset) const {
    switch (offset) {
        case current_count_reg:
            return current_count();
        case eoi_reg:
        case self_ipi_reg:
            return 0;
        case apr_reg: {
            // Arbitration priority (SDM Figure 10-15).
            const std::uint32_t tpr = reg(tpr_reg);
            const int irrv = highest(irr_reg);
            const int isrv = highest(isr_reg);
            const std::uint32_t irr_class = irrv < 0 ? 0 : static_cast<std::uint32_t>(irrv) & 0xf0;
            const std::uint32_t isr_class = isrv < 0 ? 0 : static_cast<std::uint32_t>(isrv) & 0xf0;
            if ((tpr & 0xf0) >= irr_class && (tpr & 0xf0) > isr_class) {
                return tpr;
            }
            const std::uint32_t high = (tpr & 0xf0) > isr_class ? tpr & 0xf0 : isr_class;
            return high > irr_class ? high : irr_class;
        }
        default:
            return reg(offset);
    }
}

void LocalApic::write_lvt(std::uint32_t offset, std::uint32_t value) {
    value &= lvt_writable(offset);
    if (!software_enabled()) {
        value |= lvt_masked;  // SDM 10.4.7.2: the mask cannot be cleared while disabled
    }
    if (offset != lvt_timer_reg) {
        at(offset) = value;
        return;
    }
    advance(clock_.tsc());  // what was due happens under the old entry
    const std::uint32_t old = reg(offset);
    at(offset) = value;
    timer_mode_changed(old);
}

void LocalApic::write_svr(std::uint32_t value) {
    const bool was_enabled = software_enabled();
    at(svr_reg) = value & svr_writable;
    if (was_enabled && !software_enabled()) {
        advance(clock_.tsc());
        for (const std::uint32_t lvt : lvts) {
            at(lvt) |= lvt_masked;  // SDM 10.4.7.2
        }
    }
}

void LocalApic::write_register(std::uint32_t offset, std::uint32_t value) {
    switch (offset) {
        case tpr_reg:
            at(tpr_reg) = value & 0xff;
            update_ppr();
            return;
        case eoi_reg:
            end_of_interrupt();
            return;
        case ldr_reg:
            at(ldr_reg) = value & 0xff000000;
            return;
        case dfr_reg:
            at(dfr_reg) = value | 0x0fffffff;  // bits 27:0 read as ones
            return;
        case svr_reg:
            write_svr(value);
            return;
        case esr_reg:
            write_esr();
            return;
        case icr_low_reg:
            at(icr_low_reg) = value & icr_writable;
            send_ipi(value, x2apic_mode() ? reg(icr_high_reg) : reg(icr_high_reg) >> 24);
            return;
        case icr_high_reg:
            at(icr_high_reg) = value & 0xff000000;
            return;
        case initial_count_reg:
            if (timer_mode() == TimerMode::tsc_deadline) {
                return;  // SDM 10.5.4.1: ignored in TSC-deadline mode
            }
            advance(clock_.tsc());
            at(initial_count_reg) = value;
            start_count();
            return;
        case divide_reg:
            write_divide(value);
            return;
        case self_ipi_reg:
            send_ipi((value & 0xff) | (1u << 18), 0);  // a fixed IPI with the self shorthand
            return;
        default:
            break;
    }
    if ((offset >= lvt_timer_reg && offset <= lvt_error_reg) || offset == lvt_cmci_reg) {
        write_lvt(offset, value);
    }
}

}  // namespace septum::vmm
