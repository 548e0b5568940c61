#include "decoder_oracle.hpp"

#include <Zydis/Zydis.h>

#include <cstdio>

namespace septum::vmm::testing {

namespace {

struct Decoder {
    ZydisDecoder zydis{};
    explicit Decoder(CpuMode mode) {
        // Virtual-8086 code decodes as real-mode code: 16-bit defaults.
        ZydisMachineMode m = ZYDIS_MACHINE_MODE_REAL_16;
        ZydisStackWidth w = ZYDIS_STACK_WIDTH_16;
        if (mode == CpuMode::protected16) {
            m = ZYDIS_MACHINE_MODE_LEGACY_16;
        } else if (mode == CpuMode::protected32) {
            m = ZYDIS_MACHINE_MODE_LEGACY_32;
            w = ZYDIS_STACK_WIDTH_32;
        } else if (mode == CpuMode::long64) {
            m = ZYDIS_MACHINE_MODE_LONG_64;
            w = ZYDIS_STACK_WIDTH_64;
        }
        if (ZYAN_FAILED(ZydisDecoderInit(&zydis, m, w))) {
            __builtin_trap();
        }
    }
};

const ZydisDecoder& decoder_for(CpuMode mode) {
    static const Decoder decoders[] = {Decoder{CpuMode::real}, Decoder{CpuMode::virtual8086},
                                       Decoder{CpuMode::protected16}, Decoder{CpuMode::protected32},
                                       Decoder{CpuMode::long64}};
    return decoders[static_cast<unsigned>(mode)].zydis;
}

// The opcodes decode_mov claims, as Zydis names them.
bool claimed_opcode(const ZydisDecodedInstruction& i) {
    if (i.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY) {
        return false;
    }
    if (i.mnemonic == ZYDIS_MNEMONIC_MOV && i.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
        switch (i.opcode) {
            case 0x88:
            case 0x89:
            case 0x8a:
            case 0x8b:
            case 0xc6:
            case 0xc7:
            case 0xa0:
            case 0xa1:
            case 0xa2:
            case 0xa3:
                return true;
            default:
                return false;
        }
    }
    return i.mnemonic == ZYDIS_MNEMONIC_MOVZX && i.opcode_map == ZYDIS_OPCODE_MAP_0F &&
           (i.opcode == 0xb6 || i.opcode == 0xb7);
}

// Register number 0-15 and whether it is AH, CH, DH or BH.
void register_of(ZydisRegister reg, unsigned& number, bool& high_byte) {
    high_byte =
        reg == ZYDIS_REGISTER_AH || reg == ZYDIS_REGISTER_CH || reg == ZYDIS_REGISTER_DH || reg == ZYDIS_REGISTER_BH;
    const ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
    number = static_cast<unsigned>(ZydisRegisterGetId(full));
}

std::uint64_t mask_of(unsigned bytes) { return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1; }

std::string describe(const MovInstruction& m) {
    char text[160];
    std::snprintf(text, sizeof text, "kind %u memory %u register %u reg %u%s imm %#llx length %u",
                  static_cast<unsigned>(m.kind), m.memory_size, m.register_size, m.reg, m.high_byte ? " (high)" : "",
                  static_cast<unsigned long long>(m.immediate), m.length);
    return text;
}

bool same(const MovInstruction& a, const MovInstruction& b) {
    const bool register_operand = a.kind != MovKind::store_immediate;
    return a.kind == b.kind && a.memory_size == b.memory_size && a.length == b.length &&
           (!register_operand ||
            (a.register_size == b.register_size && a.reg == b.reg && a.high_byte == b.high_byte)) &&
           (register_operand || (a.immediate & mask_of(a.memory_size)) == (b.immediate & mask_of(b.memory_size)));
}

}  // namespace

ZydisView zydis_view(const std::uint8_t* bytes, std::size_t size, CpuMode mode) {
    ZydisView view;
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&decoder_for(mode), bytes, size, &insn, ops))) {
        return view;
    }
    view.decoded = true;
    if (!claimed_opcode(insn) || insn.operand_count_visible != 2) {
        return view;
    }
    const ZydisDecodedOperand& dst = ops[0];
    const ZydisDecodedOperand& src = ops[1];
    const bool store = dst.type == ZYDIS_OPERAND_TYPE_MEMORY;
    const ZydisDecodedOperand& memory = store ? dst : src;
    if (memory.type != ZYDIS_OPERAND_TYPE_MEMORY || memory.mem.type != ZYDIS_MEMOP_TYPE_MEM) {
        return view;  // the register forms: no memory access to emulate
    }
    view.supported = true;
    for (unsigned p = 0; p < insn.raw.prefix_count; ++p) {
        const std::uint8_t b = insn.raw.prefixes[p].value;
        view.documented_refusal = view.documented_refusal || b == 0xf2 || b == 0xf3;
    }
    MovInstruction& m = view.insn;
    m.memory_size = memory.size / 8;
    m.length = insn.length;
    if (insn.mnemonic == ZYDIS_MNEMONIC_MOVZX) {
        m.kind = MovKind::load_zero_extend;
    } else if (!store) {
        m.kind = MovKind::load;
    } else {
        m.kind = src.type == ZYDIS_OPERAND_TYPE_IMMEDIATE ? MovKind::store_immediate : MovKind::store_register;
    }
    if (m.kind == MovKind::store_immediate) {
        m.register_size = m.memory_size;
        m.immediate = src.imm.value.u;
    } else {
        const ZydisDecodedOperand& reg = store ? src : dst;
        m.register_size = reg.size / 8;
        register_of(reg.reg.value, m.reg, m.high_byte);
    }
    return view;
}

Comparison judge(const ZydisView& z, const Result<MovInstruction>& ours) {
    Comparison c;
    c.ours_decoded = ours.ok();
    c.supported = z.supported;
    if (!z.supported) {
        if (ours.ok()) {
            c.finding = Finding::ours_accepts_other;
            c.detail = (z.decoded ? "Zydis decodes another instruction; ours: " : "Zydis rejects; ours: ") +
                       describe(ours.value());
        }
        return c;
    }
    if (!ours.ok()) {
        c.documented_refusal = z.documented_refusal;
        if (!z.documented_refusal) {
            c.finding = Finding::ours_refuses_supported;
            c.detail = "Zydis: " + describe(z.insn);
        }
        return c;
    }
    if (!same(ours.value(), z.insn)) {
        c.finding = Finding::differs;
        c.detail = "Zydis: " + describe(z.insn) + "; ours: " + describe(ours.value());
    }
    return c;
}

Comparison compare_with_zydis(const std::uint8_t* bytes, std::size_t size, CpuMode mode) {
    const Result<MovInstruction> ours = decode_mov(bytes, size, mode);
    Comparison c = judge(zydis_view(bytes, size, mode), ours);
    if (c.finding != Finding::none || !ours.ok()) {
        return c;
    }
    // The length is the decoder's own: one byte less is "truncated".
    const Result<MovInstruction> shorter = decode_mov(bytes, ours.value().length - 1, mode);
    if (shorter.status() != Status::out_of_range) {
        c.finding = Finding::truncation;
        c.detail = "one byte short of " + describe(ours.value()) + " is not out_of_range";
    }
    return c;
}

const char* to_string(Finding f) {
    switch (f) {
        case Finding::none:
            return "none";
        case Finding::ours_accepts_other:
            return "ours accepts what Zydis calls another instruction";
        case Finding::differs:
            return "ours and Zydis decode differently";
        case Finding::ours_refuses_supported:
            return "ours refuses a supported form, undocumented";
        case Finding::truncation:
            return "ours accepts a truncated instruction";
    }
    return "?";
}

const char* to_string(CpuMode m) {
    switch (m) {
        case CpuMode::real:
            return "real";
        case CpuMode::virtual8086:
            return "virtual-8086";
        case CpuMode::protected16:
            return "protected16";
        case CpuMode::protected32:
            return "protected32";
        case CpuMode::long64:
            return "long64";
    }
    return "?";
}

}  // namespace septum::vmm::testing
