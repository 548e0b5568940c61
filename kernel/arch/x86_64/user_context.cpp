#include "user_context.hpp"

#include "cpu.hpp"

extern "C" void syscall_entry();

namespace septum::arch {

namespace {
constexpr std::uint64_t efer_sce = 1u << 0;
// Flags SYSCALL clears: TF, IF, DF, AC (the kernel runs with interrupts off).
constexpr std::uint64_t sfmask = (1u << 8) | (1u << 9) | (1u << 10) | (1u << 18);
}  // namespace

void syscall_init() {
    wrmsr(Msr::efer, rdmsr(Msr::efer) | efer_sce);
    // STAR[47:32]: kernel CS (SS = +8); STAR[63:48]: base for SYSRET (SS =
    // base + 8, CS = base + 16), see gdt.hpp.
    const std::uint64_t sysret_base = selector::kernel_data | 3;
    wrmsr(Msr::star, (sysret_base << 48) | (std::uint64_t{selector::kernel_code} << 32));
    wrmsr(Msr::lstar, reinterpret_cast<std::uint64_t>(&syscall_entry));
    wrmsr(Msr::sfmask, sfmask);
}

}  // namespace septum::arch
