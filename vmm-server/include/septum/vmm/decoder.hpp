// The instruction decoder for MMIO: the MOV forms compilers emit for device
// registers (SDM Vol. 2 "MOV" and "MOVZX"): 88, 89, 8A, 8B, C6 /0, C7 /0,
// A0-A3 (moffs), 0F B6, 0F B7, with operand-size (66), address-size (67),
// segment and REX prefixes, and ModRM/SIB/displacement in 16-, 32- and
// 64-bit addressing. It takes only what it was given: a short buffer is
// "truncated", anything else is "unsupported". The address comes from the
// exit, not from here.
//
// Refused on purpose: LOCK, REP/REPNE (F3 on a store is XRELEASE; no device
// access needs it) and XCHG r,m (86/87), a read and a write in one locked
// access. Linux writes the xAPIC with XCHG only on Pentium P54C parts with
// erratum 11AP, detected in 32-bit kernels only (X86_BUG_11AP), and our
// CPUID is no such part. tests/vmm-server/decoder_zydis_test.cpp and
// fuzz/decoder_fuzz.cpp hold this decoder to Zydis.
#pragma once

#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "vcpu.hpp"

namespace septum::vmm {

enum class MovKind : std::uint8_t {
    store_register,   // 88, 89, A2, A3: memory <- register
    store_immediate,  // C6, C7: memory <- immediate
    load,             // 8A, 8B, A0, A1: register <- memory (A0-A3: AL/AX/EAX/RAX)
    load_zero_extend  // 0F B6, 0F B7: register <- zero-extended memory
};

struct MovInstruction {
    MovKind kind;
    unsigned memory_size;     // bytes the memory operand covers: 1, 2, 4 or 8
    unsigned register_size;   // bytes of the register operand (loads and register stores)
    unsigned reg;             // register encoding 0-15
    bool high_byte;           // AH, CH, DH, BH: bits 15:8 of register reg - 4
    std::uint64_t immediate;  // sign-extended to memory_size for C7 with REX.W
    unsigned length;          // bytes of the whole instruction
};

// out_of_range: `available` bytes end before the instruction does;
// invalid_argument: not one of the forms above (or LOCK/REP prefixed, or a
// register operand where memory is needed).
Result<MovInstruction> decode_mov(const std::uint8_t* bytes, std::size_t available, CpuMode mode);

}  // namespace septum::vmm
