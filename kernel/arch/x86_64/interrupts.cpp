#include "interrupts.hpp"

#include "console.hpp"
#include "cpu.hpp"
#include "gdt.hpp"
#include "platform.hpp"

extern "C" char isr_stubs[];

namespace septum::arch {

namespace {

struct [[gnu::packed]] IdtGate {
    std::uint16_t offset_low;
    std::uint16_t selector;
    std::uint8_t ist;
    std::uint8_t type_attr;
    std::uint16_t offset_mid;
    std::uint32_t offset_high;
    std::uint32_t reserved;
};

struct [[gnu::packed]] IdtPointer {
    std::uint16_t limit;
    std::uint64_t base;
};

constexpr std::uint8_t gate_interrupt_present = 0x8e;  // P=1, DPL=0, type 0xE
constexpr unsigned stub_size = 16;                     // see isr.S

alignas(16) IdtGate idt[256];
InterruptHandler handlers[256];
FaultProbe* armed_probe = nullptr;
std::uint64_t unexpected_interrupts = 0;

Ist ist_for(unsigned vector) {
    switch (static_cast<Exception>(vector)) {
        case Exception::df:
            return Ist::double_fault;
        case Exception::nmi:
            return Ist::nmi;
        case Exception::mc:
            return Ist::machine_check;
        default:
            return Ist::none;
    }
}

void set_gate(unsigned vector) {
    const auto addr = reinterpret_cast<std::uint64_t>(isr_stubs + static_cast<std::size_t>(vector) * stub_size);
    idt[vector] = IdtGate{
        static_cast<std::uint16_t>(addr),
        selector::kernel_code,
        static_cast<std::uint8_t>(ist_for(vector)),
        gate_interrupt_present,
        static_cast<std::uint16_t>(addr >> 16),
        static_cast<std::uint32_t>(addr >> 32),
        0,
    };
}

bool take_probe(InterruptFrame& f) {
    FaultProbe* p = armed_probe;
    if (p == nullptr || p->vector != f.vector) {
        return false;
    }
    p->hit = true;
    p->error_code = f.error_code;
    p->cr2 = read_cr2();
    if (p->resume != 0) {
        f.rip = p->resume;
    }
    armed_probe = nullptr;
    return true;
}

// A kernel exception nobody expected: report it in the test protocol and
// stop. (User-mode faults will go to fault endpoints, not here.)
[[noreturn]] void fatal_exception(const InterruptFrame& f) {
    const std::uint64_t cr2 = read_cr2();
    console::print("\nEXCEPTION {} ({}) error={:x} rip={:x} cr2={:x}\n", f.vector, exception_mnemonic(f.vector),
                   f.error_code, f.rip, cr2);
    console::print("  rsp={:x} rflags={:x} cs={:x} rax={:x} rbx={:x} rcx={:x} rdx={:x}\n", f.rsp, f.rflags, f.cs, f.rax,
                   f.rbx, f.rcx, f.rdx);
    console::print("FAIL kernel.exception: unexpected {} (vector {}) at rip={:x} cr2={:x}\n",
                   exception_mnemonic(f.vector), f.vector, f.rip, cr2);
    console::print("SEPTUM-TEST END\n");
    platform::exit(platform::ExitStatus::failure);
}

}  // namespace

void idt_init() {
    for (unsigned v = 0; v < 256; ++v) {
        set_gate(v);
    }
    const IdtPointer idtr{sizeof(idt) - 1, reinterpret_cast<std::uint64_t>(idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

void set_interrupt_handler(std::uint8_t vector, InterruptHandler handler) { handlers[vector] = handler; }

void arm_fault_probe(FaultProbe* probe) { armed_probe = probe; }

std::uint64_t idt_base() { return reinterpret_cast<std::uint64_t>(idt); }

void run_handler(std::uint8_t vector) {
    InterruptFrame f{};
    f.vector = vector;
    if (InterruptHandler h = handlers[vector]; h != nullptr) {
        h(f);
    } else {
        ++unexpected_interrupts;
    }
}

const char* exception_mnemonic(unsigned vector) {
    static const char* const names[exception_count] = {
        "#DE",  "#DB",  "NMI",  "#BP",  "#OF",  "#BR",  "#UD", "#NM", "#DF", "(9)",  "#TS",
        "#NP",  "#SS",  "#GP",  "#PF",  "(15)", "#MF",  "#AC", "#MC", "#XM", "#VE",  "#CP",
        "(22)", "(23)", "(24)", "(25)", "(26)", "(27)", "#HV", "#VC", "#SX", "(31)",
    };
    return vector < exception_count ? names[vector] : "IRQ";
}

}  // namespace septum::arch

extern "C" void interrupt_dispatch(septum::arch::InterruptFrame* frame) {
    using namespace septum::arch;
    InterruptFrame& f = *frame;
    const bool from_user = (f.cs & 3) == 3;
    if (f.vector < exception_count) {
        if (from_user) {
            septum::kernel::user_trap(f);
        }
        if (!take_probe(f)) {
            fatal_exception(f);
        }
        return;
    }
    if (InterruptHandler h = handlers[f.vector]; h != nullptr) {
        h(f);
    } else {
        ++unexpected_interrupts;  // spurious or stray: nothing to acknowledge
    }
    if (from_user) {
        septum::kernel::user_trap(f);
    }
}
