#include <septum/vmm/decoder.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

class Reader {
public:
    Reader(const std::uint8_t* bytes, std::size_t available) : bytes_{bytes}, available_{available} {}

    // The next byte, or out_of_range past the buffer or the 15-byte limit
    // (SDM Vol. 2 2.3.11: longer is #GP, so treat it as unsupported).
    Status next(std::uint8_t& out) {
        if (at_ >= x86::max_instruction_length) {
            return Status::invalid_argument;
        }
        if (at_ >= available_) {
            return Status::out_of_range;
        }
        out = bytes_[at_++];
        return Status::ok;
    }
    Status skip(unsigned n) {
        for (unsigned i = 0; i < n; ++i) {
            std::uint8_t ignored = 0;
            SEPTUM_TRY(next(ignored));
        }
        return Status::ok;
    }
    Status immediate(unsigned n, std::uint64_t& out) {
        out = 0;
        for (unsigned i = 0; i < n; ++i) {
            std::uint8_t b = 0;
            SEPTUM_TRY(next(b));
            out |= static_cast<std::uint64_t>(b) << (8 * i);
        }
        return Status::ok;
    }
    [[nodiscard]] unsigned position() const { return at_; }

private:
    const std::uint8_t* bytes_;
    std::size_t available_;
    unsigned at_ = 0;
};

// Skips the memory operand after ModRM (SDM Vol. 2 2.1.5, Tables 2-1, 2-2).
Status skip_memory_operand(Reader& r, std::uint8_t modrm, unsigned address_size) {
    const unsigned mod = modrm >> 6;
    const unsigned rm = modrm & 7;
    if (mod == 3) {
        return Status::invalid_argument;  // a register: no memory access to emulate
    }
    if (address_size == 2) {
        if (mod == 0 && rm == 6) {
            return r.skip(2);
        }
        return r.skip(mod == 1 ? 1 : mod == 2 ? 2 : 0);
    }
    if (rm == 4) {
        std::uint8_t sib = 0;
        SEPTUM_TRY(r.next(sib));
        if (mod == 0 && (sib & 7) == 5) {
            return r.skip(4);  // no base: disp32
        }
    } else if (mod == 0 && rm == 5) {
        return r.skip(4);  // disp32, RIP-relative in 64-bit mode
    }
    return r.skip(mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

struct Prefixes {
    bool operand_size = false;
    bool address_size = false;
    std::uint8_t rex = 0;
};

// Reads prefixes up to the opcode, which it returns in `opcode`.
Status read_prefixes(Reader& r, CpuMode mode, Prefixes& p, std::uint8_t& opcode) {
    for (;;) {
        std::uint8_t b = 0;
        SEPTUM_TRY(r.next(b));
        switch (b) {
            case 0x66:
                p.operand_size = true;
                p.rex = 0;  // a REX not directly before the opcode is ignored (SDM Vol. 2 2.2.1)
                continue;
            case 0x67:
                p.address_size = true;
                p.rex = 0;
                continue;
            case 0x26:
            case 0x2e:
            case 0x36:
            case 0x3e:
            case 0x64:
            case 0x65:
                p.rex = 0;
                continue;  // the exit's guest-physical address already includes the segment
            case 0xf0:
            case 0xf2:
            case 0xf3:
                return Status::invalid_argument;  // LOCK MOV is #UD; REP forms are not MOVs
            default:
                break;
        }
        if (mode == CpuMode::long64 && (b & 0xf0) == 0x40) {
            p.rex = b;
            continue;
        }
        opcode = b;
        return Status::ok;
    }
}

}  // namespace

Result<MovInstruction> decode_mov(const std::uint8_t* bytes, std::size_t available, CpuMode mode) {
    Reader r{bytes, available};
    Prefixes p;
    std::uint8_t opcode = 0;
    SEPTUM_TRY(read_prefixes(r, mode, p, opcode));

    const bool code16 = mode == CpuMode::real || mode == CpuMode::virtual8086 || mode == CpuMode::protected16;
    const bool rex_w = (p.rex & 0x8) != 0;
    unsigned operand = code16 ? 2 : 4;
    if (p.operand_size) {
        operand = operand == 2 ? 4 : 2;
    }
    if (rex_w) {
        operand = 8;  // REX.W wins over 66
    }
    unsigned address = mode == CpuMode::long64 ? 8 : code16 ? 2 : 4;
    if (p.address_size) {
        address = address == 8 ? 4 : address == 4 ? 2 : 4;
    }

    // A0-A3: the accumulator and an absolute address as wide as the
    // address size, no ModRM (32-bit code reaches device registers at fixed
    // addresses this way; a 64-bit one through ModRM with a disp32).
    if (opcode >= 0xa0 && opcode <= 0xa3) {
        const unsigned size = (opcode & 1) == 0 ? 1 : operand;
        MovInstruction insn{(opcode & 2) == 0 ? MovKind::load : MovKind::store_register, size, size, 0, false, 0, 0};
        SEPTUM_TRY(r.skip(address));
        insn.length = r.position();
        return insn;
    }

    MovInstruction insn{};
    bool two_byte = false;
    if (opcode == 0x0f) {
        SEPTUM_TRY(r.next(opcode));
        two_byte = true;
    }
    if (two_byte) {
        if (opcode != 0xb6 && opcode != 0xb7) {
            return Status::invalid_argument;
        }
        insn = {MovKind::load_zero_extend, opcode == 0xb6 ? 1u : 2u, operand, 0, false, 0, 0};
    } else if (opcode == 0x88 || opcode == 0x8a) {
        insn = {opcode == 0x88 ? MovKind::store_register : MovKind::load, 1, 1, 0, false, 0, 0};
    } else if (opcode == 0x89 || opcode == 0x8b) {
        insn = {opcode == 0x89 ? MovKind::store_register : MovKind::load, operand, operand, 0, false, 0, 0};
    } else if (opcode == 0xc6 || opcode == 0xc7) {
        const unsigned size = opcode == 0xc6 ? 1 : operand;
        insn = {MovKind::store_immediate, size, size, 0, false, 0, 0};
    } else {
        return Status::invalid_argument;
    }

    std::uint8_t modrm = 0;
    SEPTUM_TRY(r.next(modrm));
    const unsigned reg_field = (modrm >> 3) & 7;
    SEPTUM_TRY(skip_memory_operand(r, modrm, address));

    if (insn.kind == MovKind::store_immediate) {
        if (reg_field != 0) {
            return Status::invalid_argument;  // C6/C7 with /1-/7 are other instructions
        }
        const unsigned imm_size = insn.memory_size == 8 ? 4 : insn.memory_size;
        SEPTUM_TRY(r.immediate(imm_size, insn.immediate));
        if (insn.memory_size == 8 && (insn.immediate & 0x80000000) != 0) {
            insn.immediate |= 0xffffffff00000000;  // imm32 sign-extended to 64 bits
        }
    } else {
        insn.reg = reg_field | ((p.rex & 0x4) != 0 ? 8u : 0u);
        // Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM Vol. 2 3.1.1.1).
        if (insn.register_size == 1 && p.rex == 0 && reg_field >= 4) {
            insn.high_byte = true;
            insn.reg = reg_field - 4;
        }
    }
    insn.length = r.position();
    return insn;
}

}  // namespace septum::vmm
