// Thin wrappers around x86 instructions. Everything here is one instruction
// (or one short fixed sequence) and has no policy.
#pragma once

#include <cstdint>

#include "control_registers.hpp"
#include "msr.hpp"

namespace septum::arch {

struct CpuidResult {
    std::uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(std::uint32_t leaf, std::uint32_t subleaf = 0) {
    CpuidResult r{};
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline std::uint64_t rdmsr(Msr msr) {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(static_cast<std::uint32_t>(msr)));
    return (std::uint64_t{hi} << 32) | lo;
}

inline void wrmsr(Msr msr, std::uint64_t value) {
    asm volatile("wrmsr" ::"c"(static_cast<std::uint32_t>(msr)), "a"(static_cast<std::uint32_t>(value)),
                 "d"(static_cast<std::uint32_t>(value >> 32)));
}

inline std::uint64_t rdtsc() {
    std::uint32_t lo = 0, hi = 0;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (std::uint64_t{hi} << 32) | lo;
}

inline void outb(std::uint16_t port, std::uint8_t value) { asm volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }

inline std::uint8_t inb(std::uint16_t port) {
    std::uint8_t value = 0;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline std::uint16_t inw(std::uint16_t port) {
    std::uint16_t value = 0;
    asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline std::uint32_t inl(std::uint16_t port) {
    std::uint32_t value = 0;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline void outw(std::uint16_t port, std::uint16_t value) { asm volatile("outw %0, %1" ::"a"(value), "Nd"(port)); }

inline void outl(std::uint16_t port, std::uint32_t value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }

#define SEPTUM_CR_ACCESSORS(n)                        \
    inline std::uint64_t read_cr##n() {               \
        std::uint64_t v;                              \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
        return v;                                     \
    }                                                 \
    inline void write_cr##n(std::uint64_t v) { asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
SEPTUM_CR_ACCESSORS(0)
SEPTUM_CR_ACCESSORS(2)
SEPTUM_CR_ACCESSORS(3)
SEPTUM_CR_ACCESSORS(4)
#undef SEPTUM_CR_ACCESSORS

inline void invlpg(const void* va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }

// Whether VMXON is in effect (vmx.cpp sets it): INVEPT and friends are
// invalid opcodes otherwise.
inline bool vmx_active = false;

// Invalidates all EPT-derived translations (INVEPT type 2, SDM Vol. 3
// 30.3); nothing to do while VMX is off (no guest ran, none is cached).
inline void invept_all() {
    if (!vmx_active) {
        return;
    }
    const struct { std::uint64_t eptp, reserved; } descriptor{0, 0};
    asm volatile("invept %0, %1" ::"m"(descriptor), "r"(std::uint64_t{2}) : "cc", "memory");
}
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void pause() { asm volatile("pause"); }
inline void halt() { asm volatile("hlt" ::: "memory"); }

[[noreturn]] inline void halt_forever() {
    for (;;) {
        asm volatile("cli; hlt" ::: "memory");
    }
}

}  // namespace septum::arch
