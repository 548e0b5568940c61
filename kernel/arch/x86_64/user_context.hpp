// The user registers of a thread, saved in its TCB. The layout is the one
// the entry code pushes (user_entry.S): general registers, then an iretq
// frame, so that returning to user mode is a pop sequence and an iretq.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gdt.hpp"

namespace septum::arch {

struct UserContext {
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    std::uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    std::uint64_t rip, cs, rflags, rsp, ss;
};

static_assert(offsetof(UserContext, rip) == 15 * sizeof(std::uint64_t),
              "user_entry.S pushes 15 registers below the frame");
static_assert(sizeof(UserContext) == 20 * sizeof(std::uint64_t), "user_entry.S knows the size");

// Lowest and one past the highest user address: the canonical lower half,
// less its first page (null stays unmapped) and last page (so that no
// instruction ends at the non-canonical boundary; SYSRET would fault).
inline constexpr std::uint64_t user_min = 0x1000;
inline constexpr std::uint64_t user_max = 0x00007ffffffff000;

// RFLAGS bits user space may hold: the arithmetic flags and DF. IF is always
// set; IOPL, TF, NT, VM, AC and the rest are always clear.
inline constexpr std::uint64_t rflags_user_mask = 0xcd5;  // CF PF AF ZF SF DF OF
inline constexpr std::uint64_t rflags_if = 1u << 9;
inline constexpr std::uint64_t rflags_fixed = 1u << 1;

// Masks raw RFLAGS from user space to what user space may hold.
constexpr std::uint64_t sanitise_rflags(std::uint64_t raw) {
    return (raw & rflags_user_mask) | rflags_if | rflags_fixed;
}

// A new thread's context: user segments, interrupts on, registers zero.
constexpr UserContext initial_user_context() {
    UserContext c{};
    c.cs = selector::user_code;
    c.ss = selector::user_data;
    c.rflags = sanitise_rflags(0);
    return c;
}

constexpr bool is_user_address(std::uint64_t a) { return a >= user_min && a < user_max; }

// SYSCALL/SYSRET set-up: EFER.SCE, STAR, LSTAR, SFMASK.
void syscall_init();

}  // namespace septum::arch

extern "C" {
[[noreturn]] void enter_user_iret(const septum::arch::UserContext*, std::uint64_t cr3);
[[noreturn]] void enter_user_sysret(const septum::arch::UserContext*, std::uint64_t cr3);
extern std::uint64_t current_context_top;
}

namespace septum::arch {

// Switches to the user thread whose context this is; never returns. Uses
// SYSRET when `fast` (the thread entered by SYSCALL and rcx/r11 need not be
// restored), IRETQ otherwise.
[[noreturn]] inline void enter_user(const UserContext& context, std::uint64_t cr3, bool fast) {
    if (fast) {
        enter_user_sysret(&context, cr3);
    }
    enter_user_iret(&context, cr3);
}

// Where syscall entry saves the registers: one past the end of the running
// thread's UserContext.
inline void set_current_context(UserContext* context) {
    current_context_top = reinterpret_cast<std::uint64_t>(context + 1);
}

}  // namespace septum::arch
