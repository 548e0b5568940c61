#include "lapic.hpp"

#include "cpu.hpp"
#include "interrupts.hpp"
#include "layout.hpp"
#include "paging.hpp"

namespace septum::arch::lapic {

namespace {

// Register offsets (SDM Vol. 3 Table 11-1).
enum Reg : std::uint32_t {
    reg_id = 0x20,
    reg_eoi = 0xb0,
    reg_svr = 0xf0,
    reg_lvt_timer = 0x320,
    reg_timer_initial = 0x380,
    reg_timer_current = 0x390,
    reg_timer_divide = 0x3e0,
};

constexpr std::uint32_t svr_enable = 1u << 8;
constexpr std::uint32_t lvt_masked = 1u << 16;
constexpr std::uint32_t lvt_periodic = 1u << 17;
constexpr std::uint32_t lvt_tsc_deadline = 2u << 17;
constexpr std::uint32_t divide_by_16 = 0x3;
constexpr std::uint64_t apic_base_enable = 1u << 11;
constexpr std::uint64_t apic_base_addr_mask = 0x000ffffffffff000;
constexpr std::uint32_t cpuid1_edx_apic = 1u << 9;

volatile std::uint32_t* regs = nullptr;
std::uint64_t base = 0;
volatile std::uint64_t tick_count = 0;

std::uint32_t read(Reg r) { return regs[r / 4]; }
void write(Reg r, std::uint32_t v) { regs[r / 4] = v; }

void on_timer(InterruptFrame&) {
    tick_count = tick_count + 1;
    eoi();
}

}  // namespace

bool init() {
    if ((cpuid(1).edx & cpuid1_edx_apic) == 0) {
        return false;
    }
    const std::uint64_t msr = rdmsr(Msr::apic_base);
    base = msr & apic_base_addr_mask;
    if (!paging::make_uncacheable(base)) {
        return false;
    }
    wrmsr(Msr::apic_base, msr | apic_base_enable);
    regs = phys_to_virt<volatile std::uint32_t>(base);
    set_interrupt_handler(timer_vector, on_timer);
    write(reg_svr, svr_enable | spurious_vector);
    return true;
}

std::uint32_t id() { return read(reg_id) >> 24; }
std::uint64_t base_phys() { return base; }

void start_periodic(std::uint32_t count) {
    write(reg_timer_divide, divide_by_16);
    write(reg_lvt_timer, lvt_periodic | timer_vector);
    write(reg_timer_initial, count);
}

void stop() {
    write(reg_lvt_timer, lvt_masked | timer_vector);
    write(reg_timer_initial, 0);
}

void start_deadline_mode() {
    write(reg_lvt_timer, lvt_tsc_deadline | timer_vector);
    // The mode switch takes effect before the first deadline is written
    // (SDM Vol. 3 11.5.4.1: MFENCE between the two).
    asm volatile("mfence" ::: "memory");
    wrmsr(Msr::tsc_deadline, 0);
}

void start_one_shot_mode() {
    write(reg_timer_divide, divide_by_16);
    write(reg_lvt_timer, timer_vector);
    write(reg_timer_initial, 0);
}

void set_one_shot(std::uint32_t count) { write(reg_timer_initial, count); }

std::uint32_t current_count() { return read(reg_timer_current); }

std::uint64_t ticks() { return tick_count; }

void eoi() { write(reg_eoi, 0); }

}  // namespace septum::arch::lapic
