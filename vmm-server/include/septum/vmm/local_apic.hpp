// The guest's local APIC: one xAPIC/x2APIC for its one CPU (Intel SDM Vol.
// 3A chapter 10, "Advanced Programmable Interrupt Controller"). Its
// registers live in one 4 KiB page laid out as the hardware's register
// page (offset = register, 16-byte stride, IRR/ISR/TMR as eight dwords),
// so that the same page can be the VT-x virtual-APIC page (SDM Vol. 3C
// 29.1) when the kernel offers APIC virtualization. Registers the CPU
// would read from that page (TPR, PPR, ISR, IRR, ...) are always current
// in it; only the timer's current count is computed when read.
//
// Reached by the guest through MMIO at IA32_APIC_BASE (xAPIC mode; a
// `Device` at pc::local_apic_base) or RDMSR/WRMSR of 0x800-0x8FF (x2APIC
// mode; msr.cpp routes them here), and by the platform as the
// `InterruptReceiver` of the I/O APIC's messages. What the VMM program
// calls: see docs/vmm-server.md, "Local APIC".
#pragma once

#include <septum/caps/status.hpp>

#include <cstdint>

#include "bus.hpp"
#include "interrupts.hpp"
#include "msr.hpp"
#include "platform.hpp"

namespace septum::vmm {

class CpuidPolicy;

// The local APIC's registers as the hardware lays them out (SDM Table
// 10-1): the register at offset o is words[o / 4]. Page-aligned, so that
// it can be the VMCS's virtual-APIC page.
struct alignas(4096) ApicPage {
    std::uint32_t words[1024];
};

class LocalApic final : public Device, public InterruptReceiver {
public:
    static constexpr std::uint64_t window = 0x1000;
    static constexpr std::uint32_t registers_end = 0x400;  // no register lies beyond (SDM Table 10-1)
    static constexpr std::uint64_t no_deadline = ~std::uint64_t{0};
    static constexpr std::uint32_t first_x2apic_msr = 0x800;
    static constexpr std::uint32_t last_x2apic_msr = 0x8ff;

    // The timer counts at the crystal rate of `cpuid` (CpuidPolicy::crystal,
    // in TSC ticks) on `clock`; x2APIC mode is offered if `cpuid` shows it.
    // The registers live in `page` (the caller's, so that it can be a frame
    // the kernel also knows, for APIC virtualization).
    LocalApic(const Clock& clock, const CpuidPolicy& cpuid, ApicPage& page);
    LocalApic(const LocalApic&) = delete;  // the buses and the I/O APIC point at it
    LocalApic& operator=(const LocalApic&) = delete;

    // The I/O APIC, told of EOIs of level-triggered vectors.
    void connect(EoiListener& listener) { eoi_listener_ = &listener; }
    // Claims the xAPIC window at pc::local_apic_base.
    Status attach(Bus& mmio) { return mmio.claim(pc::local_apic_base, window, *this); }

    // xAPIC MMIO (offsets within the window).
    std::uint64_t read(std::uint64_t offset, unsigned size) override;
    Outcome write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
    // Power-on (SDM 10.4.7.1): xAPIC enabled at 0xFEE00000 as the BSP, SVR
    // 0xFF (software-disabled), every LVT masked, the timer stopped.
    void reset() override;

    // An interrupt message from the I/O APIC (or any other sender).
    void deliver(const InterruptMessage& message) override;

    // IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs:
    // invalid_argument where the CPU raises #GP.
    [[nodiscard]] std::uint64_t base() const { return base_; }
    Status write_base(std::uint64_t value);
    [[nodiscard]] std::uint64_t tsc_deadline() const;
    void write_tsc_deadline(std::uint64_t value);
    [[nodiscard]] Result<std::uint64_t> read_x2apic(std::uint32_t msr) const;
    Status write_x2apic(std::uint32_t msr, std::uint64_t value);

    // The CPU's side: the highest IRR vector whose priority class is above
    // the PPR's (-1 if none or the APIC is disabled), the CPU taking it
    // (INTA: IRR to ISR), CR8 (TPR bits 7:4).
    [[nodiscard]] int next_interrupt() const;
    void acknowledge(std::uint8_t vector);
    [[nodiscard]] std::uint8_t cr8() const { return static_cast<std::uint8_t>(reg(tpr_reg) >> 4); }
    void set_cr8(std::uint8_t value);
    // A device server's vector, as a fixed edge-triggered interrupt to itself.
    void raise(std::uint8_t vector) { accept(vector, false); }
    // An NMI was delivered (I/O APIC or IPI) and not yet taken.
    [[nodiscard]] bool nmi_pending() const { return nmi_pending_; }
    bool take_nmi() {
        const bool was = nmi_pending_;
        nmi_pending_ = false;
        return was;
    }

    // Under the CPU's virtual-interrupt delivery (SDM Vol. 3C 29.1.2,
    // 29.2): what the VMCS is handed at an entry, and an EOI-induced exit
    // for `vector`, which the CPU already retired from the page's ISR:
    // what is left is the broadcast.
    //
    // The CPU is only ever handed an interrupt it can deliver at once: RVI
    // is the highest vector requested if the priorities let it through and
    // the guest can take it now (`interruptible`), else 0, with an
    // interrupt-window exit asked for when only the guest's blocking holds
    // it back. While more vectors wait, the EOIs of everything in service
    // and of the vector handed over exit, so no EOI lets the CPU pick up a
    // further vector while the guest runs with interrupts off. Architecturally
    // that would be harmless; Bochs 2.7 (InterruptAcknowledge) delivers
    // such a pending virtual interrupt whatever RFLAGS.IF says when a host
    // interrupt arrives, which nested the guest's handlers and struck Linux
    // between SYSCALL and SWAPGS (docs/vmm-server.md, "Local APIC"). The
    // EOI-exit bitmap also holds the level-triggered vectors (TMR), whose
    // EOI the I/O APIC waits for; word w holds vectors 64w to 64w + 63.
    struct VirtualRequest {
        std::uint8_t rvi;  // 0: none
        std::uint8_t svi;  // the highest vector in service, 0 for none
        std::uint64_t eoi_exit[4];
        bool window;  // exit when the guest can take an interrupt
    };
    [[nodiscard]] VirtualRequest virtual_request(bool interruptible) const;
    void virtualized_eoi(std::uint8_t vector);
    // Under APIC-register virtualization a write the CPU let into the page
    // exits after it (APIC write, 29.4.3.3): the register at `offset`
    // holds the guest's value, and the model's side effects follow as for
    // an emulated write from the value it had before. Without
    // virtual-interrupt delivery, a TPR the guest lowered below the
    // threshold (TPR below threshold): the priorities follow.
    void apic_written(std::uint32_t offset);
    void tpr_written() { update_ppr(); }

    // The timer: the host TSC at which its next interrupt is due
    // (no_deadline when it is stopped, masked or disabled), and the clock
    // reaching `now_tsc`: a due timer sets its vector in IRR once, however
    // many periods passed, and a periodic one rearms.
    [[nodiscard]] std::uint64_t timer_deadline() const;
    void advance(std::uint64_t now_tsc);

    // State as the guest would read it (tests, oracles, the VMCS).
    [[nodiscard]] bool enabled() const { return (base_ & base_enable) != 0; }
    [[nodiscard]] bool x2apic_mode() const { return (base_ & base_extd) != 0; }
    [[nodiscard]] bool software_enabled() const { return (reg(svr_reg) & svr_enable) != 0; }
    [[nodiscard]] std::uint32_t reg(std::uint32_t offset) const { return page_.words[offset / 4]; }
    [[nodiscard]] bool irr(std::uint8_t vector) const { return test(irr_reg, vector); }
    [[nodiscard]] bool isr(std::uint8_t vector) const { return test(isr_reg, vector); }
    [[nodiscard]] bool tmr(std::uint8_t vector) const { return test(tmr_reg, vector); }
    [[nodiscard]] std::uint32_t current_count() const;
    // The register page, for the VMCS's virtual-APIC address.
    [[nodiscard]] const ApicPage& page() const { return page_; }

    // Register offsets (SDM Table 10-1); an x2APIC MSR is 0x800 + offset/16.
    static constexpr std::uint32_t id_reg = 0x20, version_reg = 0x30, tpr_reg = 0x80, apr_reg = 0x90, ppr_reg = 0xa0,
                                   eoi_reg = 0xb0, ldr_reg = 0xd0, dfr_reg = 0xe0, svr_reg = 0xf0, isr_reg = 0x100,
                                   tmr_reg = 0x180, irr_reg = 0x200, esr_reg = 0x280, lvt_cmci_reg = 0x2f0,
                                   icr_low_reg = 0x300, icr_high_reg = 0x310, lvt_timer_reg = 0x320,
                                   lvt_thermal_reg = 0x330, lvt_perf_reg = 0x340, lvt_lint0_reg = 0x350,
                                   lvt_lint1_reg = 0x360, lvt_error_reg = 0x370, initial_count_reg = 0x380,
                                   current_count_reg = 0x390, divide_reg = 0x3e0, self_ipi_reg = 0x3f0;

    static constexpr std::uint64_t base_bsp = 1u << 8, base_extd = 1u << 10, base_enable = 1u << 11;
    static constexpr std::uint32_t svr_enable = 1u << 8, svr_suppress_eoi_broadcast = 1u << 12;
    static constexpr std::uint32_t lvt_masked = 1u << 16;
    // ESR bits (SDM 10.5.3).
    static constexpr std::uint32_t esr_send_illegal_vector = 1u << 5, esr_receive_illegal_vector = 1u << 6,
                                   esr_illegal_register = 1u << 7;
    // LVT timer modes, bits 18:17 (SDM 10.5.4).
    enum class TimerMode : std::uint8_t { one_shot = 0, periodic = 1, tsc_deadline = 2, reserved = 3 };

private:
    // The timer's state beyond the registers: when the count reaches zero
    // (one-shot, periodic), or the TSC-deadline MSR.
    struct Timer {
        bool armed = false;
        std::uint64_t expiry = 0;    // host TSC at which the count reaches 0
        std::uint64_t deadline = 0;  // IA32_TSC_DEADLINE; 0: disarmed
    };

    std::uint32_t& at(std::uint32_t offset) { return page_.words[offset / 4]; }
    [[nodiscard]] bool test(std::uint32_t base, std::uint8_t vector) const;
    void set_bit(std::uint32_t base, std::uint8_t vector, bool on);
    [[nodiscard]] int highest(std::uint32_t base) const;
    void update_ppr();

    // Registers by offset, as both modes share them; register() decides
    // what exists in which mode.
    [[nodiscard]] std::uint32_t read_register(std::uint32_t offset) const;
    void write_register(std::uint32_t offset, std::uint32_t value);
    void write_lvt(std::uint32_t offset, std::uint32_t value);
    void write_svr(std::uint32_t value);
    void write_esr();
    void end_of_interrupt();
    void broadcast_eoi(std::uint8_t vector);
    void send_ipi(std::uint32_t low, std::uint32_t destination);
    [[nodiscard]] bool addressed(std::uint32_t destination, bool logical) const;
    // A fixed interrupt reaches IRR (vectors 0-15 are refused with an error).
    void accept(std::uint8_t vector, bool level);
    void error(std::uint32_t bits);
    void power_on_registers();
    // The registers as the model last set them (applied_), from which an
    // APIC write takes the value before the guest's.
    void commit();

    // The timer (local_apic_timer.cpp).
    [[nodiscard]] TimerMode timer_mode() const;
    [[nodiscard]] std::uint64_t tick_tsc() const;  // TSC ticks per count at the current divider
    void start_count();
    void write_divide(std::uint32_t value);
    void timer_mode_changed(std::uint32_t old_lvt);
    void fire_timer();

    const Clock& clock_;
    std::uint64_t crystal_ratio_;  // TSC ticks per crystal tick
    bool x2apic_supported_;
    std::uint64_t reserved_base_bits_;
    EoiListener* eoi_listener_ = nullptr;
    std::uint64_t base_ = 0;
    std::uint32_t esr_pending_ = 0;  // errors since the last ESR write
    bool nmi_pending_ = false;
    Timer timer_;
    ApicPage& page_;
    std::uint32_t applied_[registers_end / 16] = {};  // the first dword of each 16-byte register slot
};

}  // namespace septum::vmm
