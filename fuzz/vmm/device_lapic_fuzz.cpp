// The local APIC fuzzer: xAPIC MMIO of any offset and width (mostly the
// registers), x2APIC MSRs, IA32_APIC_BASE and IA32_TSC_DEADLINE writes,
// messages of any kind, INTAs, EOIs, CR8, resets and the clock running
// forward by any amount (a hostile periodic timer included), in any
// order. Besides check_local_apic after every operation: the timer never
// leaves anything due after advance(), an EOI reaches the I/O APIC
// exactly when the vector it retires was level-triggered and broadcasts
// are not suppressed, and MMIO reads of IRR/ISR/TMR see the model's bits.
#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/local_apic.hpp>

#include <cstdint>

#include "device_fuzz.hpp"
#include "device_oracles.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {
namespace {

using A = vmm::LocalApic;

// A host with 46 physical address bits (IA32_APIC_BASE's reserved bits).
struct Host final : vmm::HostCpuid {
    [[nodiscard]] vmm::CpuidRegs query(std::uint32_t leaf, std::uint32_t /*subleaf*/) const override {
        switch (leaf) {
            case 0:
                return {1, 0, 0, 0};
            case 0x80000000:
                return {0x80000008, 0, 0, 0};
            case 0x80000008:
                return {0x302e, 0, 0, 0};
            default:
                return {0, 0, 0, 0};
        }
    }
};

// Sends a message back from inside the EOI now and then, as the I/O APIC
// does for a pin still asserted.
struct CheckingEoi final : vmm::EoiListener {
    A* apic = nullptr;
    unsigned calls = 0;
    bool resend = false;
    void end_of_interrupt(std::uint8_t vector) override {
        ++calls;
        if (resend) {
            apic->deliver({vector, vmm::DeliveryMode::fixed, false, true, 0});
        }
    }
};

std::uint32_t register_offset(Source& source) {
    if (source.one_in(8)) {
        return source.u16() % A::window;
    }
    return (source.u8() % 0x40) * 16;
}

vmm::InterruptMessage message(Source& source) {
    constexpr vmm::DeliveryMode modes[] = {vmm::DeliveryMode::fixed, vmm::DeliveryMode::lowest_priority,
                                           vmm::DeliveryMode::smi,   vmm::DeliveryMode::nmi,
                                           vmm::DeliveryMode::init,  vmm::DeliveryMode::extint};
    const std::uint8_t flags = source.u8();
    return {source.u8(), modes[(flags & 0x7) % 6], (flags & 0x8) != 0, (flags & 0x10) != 0,
            (flags & 0x20) != 0 ? std::uint8_t{0xff} : source.u8()};
}

std::uint64_t base_value(Source& source) {
    if (source.one_in(8)) {
        return source.value();
    }
    const std::uint8_t bits = source.u8();
    return vmm::pc::local_apic_base | ((bits & 1) != 0 ? A::base_enable : 0) | ((bits & 2) != 0 ? A::base_extd : 0) |
           ((bits & 4) != 0 ? A::base_bsp : 0);
}

void step_clock(Source& source, SetClock& clock, A& apic) {
    const std::uint8_t how = source.u8() % 4;
    const std::uint64_t by = how == 0 ? source.u8() : how == 1 ? source.u32() : how == 2 ? source.value() : 0;
    clock.now = clock.now + by < clock.now ? ~std::uint64_t{0} : clock.now + by;  // the TSC only goes forward
    apic.advance(clock.now);
    const std::uint64_t next = apic.timer_deadline();
    if (next != A::no_deadline && next <= clock.now && clock.now != ~std::uint64_t{0}) {
        violated("timer due at %#llx left pending at %#llx", static_cast<unsigned long long>(next),
                 static_cast<unsigned long long>(clock.now));
    }
}

void eoi(Source& source, A& apic, CheckingEoi& listener) {
    int isrv = -1;
    for (unsigned v = 0; v < 256; ++v) {
        isrv = apic.isr(static_cast<std::uint8_t>(v)) ? static_cast<int>(v) : isrv;
    }
    const bool broadcast = isrv >= 0 && apic.tmr(static_cast<std::uint8_t>(isrv)) &&
                           (apic.reg(A::svr_reg) & A::svr_suppress_eoi_broadcast) == 0;
    listener.resend = source.one_in(2);
    const unsigned before = listener.calls;
    bool effective = apic.enabled();
    if (apic.x2apic_mode()) {
        effective = apic.write_x2apic(0x80b, source.one_in(4) ? 1 : 0) == Status::ok;  // only 0 is an EOI
    } else {
        (void)apic.write(A::eoi_reg, 4, source.u8());
    }
    if (listener.calls - before != (effective && broadcast ? 1u : 0u)) {
        violated("EOI of vector %d (broadcast due: %u) reached the I/O APIC %u times", isrv, broadcast,
                 listener.calls - before);
    }
}

// A register write in whichever mode the APIC is in.
void put(A& apic, std::uint32_t offset, std::uint32_t value) {
    if (apic.x2apic_mode()) {
        (void)apic.write_x2apic(A::first_x2apic_msr + offset / 16, value);
    } else {
        (void)apic.write(offset, 4, value);
    }
}

// What a guest's timer setup does, in one step: software enable, the
// timer's entry (any mode, mostly unmasked), the divider and a count that
// is mostly short, so that the timer modes are reached at all.
void program_timer(Source& source, A& apic) {
    put(apic, A::svr_reg, 0x100 | source.u8());
    const std::uint8_t how = source.u8();
    put(apic, A::lvt_timer_reg,
        ((how & 3u) << 17) | (source.one_in(8) ? A::lvt_masked : 0) | (0x20 + source.u8() % 0xe0));
    put(apic, A::divide_reg, source.u8());
    put(apic, A::initial_count_reg, (how & 4) != 0 ? source.u8() : static_cast<std::uint32_t>(source.value()));
}

void check_mmio_view(A& apic) {
    if (!apic.enabled() || apic.x2apic_mode()) {
        return;
    }
    for (std::uint32_t word = 0; word < 8; ++word) {
        for (const std::uint32_t base : {A::isr_reg, A::tmr_reg, A::irr_reg}) {
            const auto read = static_cast<std::uint32_t>(apic.read(base + word * 16, 4));
            std::uint32_t bits = 0;
            for (unsigned b = 0; b < 32; ++b) {
                const auto v = static_cast<std::uint8_t>(word * 32 + b);
                const bool on = base == A::isr_reg ? apic.isr(v) : base == A::tmr_reg ? apic.tmr(v) : apic.irr(v);
                bits |= on ? 1u << b : 0;
            }
            if (read != bits) {
                violated("register %#x reads %#x, the model holds %#x", base + word * 16, read, bits);
            }
        }
    }
}

}  // namespace
}  // namespace septum::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    const Host host;
    const vmm::CpuidPolicy cpuid{host, vmm::CpuidOptions{source.u32(), true, source.u8() % 4 != 0}};
    SetClock clock;
    clock.now = source.u32();
    vmm::ApicPage page;
    A apic{clock, cpuid, page};
    CheckingEoi listener;
    listener.apic = &apic;
    apic.connect(listener);
    for (unsigned op = 0; op < 2048 && !source.empty(); ++op) {
        switch (source.u8() % 15) {
            case 0:
            case 1:
            case 2:
                (void)apic.write(register_offset(source), access_size(source), source.value());
                break;
            case 3:
                (void)apic.read(register_offset(source), access_size(source));
                break;
            case 4: {
                const std::uint32_t msr = A::first_x2apic_msr + source.u8();
                if (source.one_in(2)) {
                    (void)apic.read_x2apic(msr);
                } else {
                    (void)apic.write_x2apic(msr, source.value());
                }
                break;
            }
            case 5:
                (void)apic.write_base(base_value(source));
                break;
            case 6:
                apic.write_tsc_deadline(source.one_in(2) ? clock.now + source.u16() : source.value());
                break;
            case 7:
                apic.deliver(message(source));
                break;
            case 8:
                apic.raise(source.u8());
                break;
            case 9:
                if (const int v = apic.next_interrupt(); v >= 0 && source.one_in(2)) {
                    apic.acknowledge(static_cast<std::uint8_t>(v));
                } else {
                    apic.acknowledge(source.u8());
                }
                break;
            case 10:
                eoi(source, apic, listener);
                break;
            case 11:
                apic.set_cr8(source.u8());
                (void)apic.take_nmi();
                break;
            case 12:
                step_clock(source, clock, apic);
                break;
            case 13:
                program_timer(source, apic);
                break;
            default:
                if (source.one_in(8)) {
                    apic.reset();
                }
                break;
        }
        check_local_apic(apic);
        check_mmio_view(apic);
    }
    return 0;
}
