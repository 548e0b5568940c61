#include "gdt.hpp"

#include "layout.h"

extern "C" char kernel_stack_top[];

namespace septum::arch {

namespace {

struct [[gnu::packed]] Tss {
    std::uint32_t reserved0;
    std::uint64_t rsp[3];
    std::uint64_t reserved1;
    std::uint64_t ist[7];
    std::uint64_t reserved2;
    std::uint16_t reserved3;
    std::uint16_t iomap_base;
};

struct [[gnu::packed]] DescriptorPointer {
    std::uint16_t limit;
    std::uint64_t base;
};

// Flat 64-bit segments (SDM Vol. 3 3.4.5): access byte and flags only.
constexpr std::uint64_t seg_kernel_code = 0x00af9a000000ffff;
constexpr std::uint64_t seg_kernel_data = 0x00cf92000000ffff;
constexpr std::uint64_t seg_user_data = 0x00cff2000000ffff;
constexpr std::uint64_t seg_user_code = 0x00affa000000ffff;
constexpr std::uint64_t tss_available = 0x89;

constexpr unsigned ist_count = 3;

alignas(16) Tss tss;
alignas(16) std::uint8_t ist_stacks[ist_count][IST_STACK_SIZE];
alignas(16) std::uint64_t gdt[7];

void set_tss_descriptor(std::uint64_t* slot) {
    const auto base = reinterpret_cast<std::uint64_t>(&tss);
    const std::uint64_t limit = sizeof(Tss) - 1;
    slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (tss_available << 40) | (((limit >> 16) & 0xf) << 48) |
              (((base >> 24) & 0xff) << 56);
    slot[1] = base >> 32;
}

}  // namespace

void gdt_init() {
    gdt[0] = 0;
    gdt[1] = seg_kernel_code;
    gdt[2] = seg_kernel_data;
    gdt[3] = seg_user_data;
    gdt[4] = seg_user_code;
    set_tss_descriptor(&gdt[5]);

    for (unsigned i = 0; i < ist_count; ++i) {
        tss.ist[i] = reinterpret_cast<std::uint64_t>(ist_stacks[i] + IST_STACK_SIZE);
    }
    // Interrupts from user mode land on the kernel stack, which is empty
    // whenever user code runs (the kernel is not preempted).
    tss.rsp[0] = reinterpret_cast<std::uint64_t>(kernel_stack_top);
    tss.iomap_base = sizeof(Tss);  // no I/O bitmap: user port access faults (ports go through IOPortRange)

    const DescriptorPointer gdtr{sizeof(gdt) - 1, reinterpret_cast<std::uint64_t>(gdt)};
    asm volatile(
        "lgdt %0\n"
        "pushq %1\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "mov %2, %%ds\n"
        "mov %2, %%es\n"
        "mov %2, %%ss\n"
        "ltr %w3\n"
        :
        : "m"(gdtr), "i"(selector::kernel_code), "r"(std::uint32_t{selector::kernel_data}),
          "r"(std::uint32_t{selector::tss})
        : "rax", "memory");
}

std::uint64_t gdt_base() { return reinterpret_cast<std::uint64_t>(gdt); }
std::uint64_t tss_base() { return reinterpret_cast<std::uint64_t>(&tss); }

}  // namespace septum::arch
