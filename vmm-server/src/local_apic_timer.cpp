// The local APIC timer (SDM Vol. 3A 10.5.4): one-shot, periodic and
// TSC-deadline modes. The count is never stored ticking: it is computed
// from the host TSC, with one count every `divide` crystal ticks
// (CpuidPolicy::crystal, the rate Linux reads from CPUID 0x15).
#include <septum/vmm/local_apic.hpp>

namespace septum::vmm {

namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? LocalApic::no_deadline : a + b; }

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
    std::uint64_t product = 0;
    return __builtin_mul_overflow(a, b, &product) ? LocalApic::no_deadline : product;
}

}  // namespace

LocalApic::TimerMode LocalApic::timer_mode() const { return static_cast<TimerMode>((reg(lvt_timer_reg) >> 17) & 3); }

// Divide configuration bits 3 and 1:0 (SDM Figure 10-10): 000 divides by
// 2, ..., 110 by 128, 111 by 1.
std::uint64_t LocalApic::tick_tsc() const {
    const std::uint32_t d = reg(divide_reg);
    const std::uint32_t code = (d & 3) | ((d >> 1) & 4);
    return crystal_ratio_ << ((code + 1) & 7);
}

void LocalApic::start_count() {
    const std::uint32_t initial = reg(initial_count_reg);
    timer_.armed = initial != 0;  // writing 0 stops the timer
    timer_.expiry = saturating_add(clock_.tsc(), saturating_mul(initial, tick_tsc()));
}

std::uint32_t LocalApic::current_count() const {
    const TimerMode mode = timer_mode();
    if (!timer_.armed || (mode != TimerMode::one_shot && mode != TimerMode::periodic)) {
        return 0;
    }
    const std::uint64_t now = clock_.tsc();
    const std::uint64_t tick = tick_tsc();
    const std::uint64_t initial = reg(initial_count_reg);
    std::uint64_t remaining = 0;
    if (now < timer_.expiry) {
        remaining = timer_.expiry - now;
    } else if (mode == TimerMode::periodic) {
        // Periods not yet taken in by advance(): the count as it stands now.
        const std::uint64_t period = saturating_mul(initial, tick);
        remaining = period - (now - timer_.expiry) % period;
    } else {
        return 0;
    }
    const std::uint64_t count = remaining / tick + (remaining % tick != 0 ? 1 : 0);
    return static_cast<std::uint32_t>(count < initial ? count : initial);
}

std::uint64_t LocalApic::timer_deadline() const {
    if (!enabled() || (reg(lvt_timer_reg) & lvt_masked) != 0) {
        return no_deadline;  // nothing to raise: the VMM need not wake for it
    }
    switch (timer_mode()) {
        case TimerMode::tsc_deadline:
            return timer_.deadline != 0 ? timer_.deadline : no_deadline;
        case TimerMode::one_shot:
        case TimerMode::periodic:
            return timer_.armed ? timer_.expiry : no_deadline;
        case TimerMode::reserved:
            break;
    }
    return no_deadline;
}

void LocalApic::fire_timer() {
    const std::uint32_t lvt = reg(lvt_timer_reg);
    if ((lvt & lvt_masked) == 0) {
        accept(static_cast<std::uint8_t>(lvt & 0xff), false);
    }
}

// A masked timer still counts (SDM 10.5.4): it expires and rearms here
// without raising anything.
void LocalApic::advance(std::uint64_t now_tsc) {
    if (!enabled()) {
        return;
    }
    switch (timer_mode()) {
        case TimerMode::tsc_deadline:
            if (timer_.deadline != 0 && now_tsc >= timer_.deadline) {
                timer_.deadline = 0;  // it reads 0 once it fired (SDM 10.5.4.1)
                fire_timer();
            }
            return;
        case TimerMode::one_shot:
            if (timer_.armed && now_tsc >= timer_.expiry) {
                timer_.armed = false;
                fire_timer();
            }
            return;
        case TimerMode::periodic:
            if (timer_.armed && now_tsc >= timer_.expiry) {
                // However many periods passed, one interrupt and one step
                // to the next boundary after now: a count of 1 at divide 1
                // costs no loop.
                const std::uint64_t period = saturating_mul(reg(initial_count_reg), tick_tsc());
                const std::uint64_t periods = (now_tsc - timer_.expiry) / period + 1;
                timer_.expiry = saturating_add(timer_.expiry, saturating_mul(periods, period));
                fire_timer();
            }
            return;
        case TimerMode::reserved:
            return;
    }
}

void LocalApic::write_divide(std::uint32_t value) {
    advance(clock_.tsc());
    const std::uint32_t remaining = current_count();
    at(divide_reg) = value & 0xb;
    if (timer_.armed) {
        // The count goes on from where it is, at the new rate.
        timer_.expiry = saturating_add(clock_.tsc(), saturating_mul(remaining, tick_tsc()));
    }
}

// SDM 10.5.4.1: a change into or out of TSC-deadline mode disarms the
// timer. A reserved mode counts nothing, so a change into or out of it
// disarms too; one-shot and periodic hand the count on.
void LocalApic::timer_mode_changed(std::uint32_t old_lvt) {
    const auto old_mode = static_cast<TimerMode>((old_lvt >> 17) & 3);
    const TimerMode mode = timer_mode();
    const bool counting = mode == TimerMode::one_shot || mode == TimerMode::periodic;
    const bool was_counting = old_mode == TimerMode::one_shot || old_mode == TimerMode::periodic;
    if (mode == old_mode || (counting && was_counting)) {
        return;
    }
    timer_ = Timer{};
    at(initial_count_reg) = 0;
}

std::uint64_t LocalApic::tsc_deadline() const {
    return enabled() && timer_mode() == TimerMode::tsc_deadline ? timer_.deadline : 0;
}

// In other modes the MSR reads 0 and ignores writes (SDM 10.5.4.1). A
// deadline already past fires at once; 0 disarms.
void LocalApic::write_tsc_deadline(std::uint64_t value) {
    if (!enabled() || timer_mode() != TimerMode::tsc_deadline) {
        return;
    }
    const std::uint64_t now = clock_.tsc();
    advance(now);
    timer_.deadline = value;
    advance(now);
}

}  // namespace septum::vmm
