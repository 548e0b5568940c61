// Zydis as the oracle of the MMIO decoder (decoder.hpp), for its host test
// and its fuzzer: the same bytes in the same CPU mode through both, and a
// finding wherever they part. Zydis is host-only (a shared library); the
// VMM keeps its own small decoder.
#pragma once

#include <septum/vmm/decoder.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace septum::vmm::testing {

// What Zydis makes of the bytes, in the decoder's terms.
struct ZydisView {
    bool decoded = false;             // Zydis decoded an instruction
    bool supported = false;           // ... of a form decode_mov claims (a memory operand)
    bool documented_refusal = false;  // ... with a prefix decode_mov refuses on purpose (F2/F3)
    MovInstruction insn{};            // when supported
};

ZydisView zydis_view(const std::uint8_t* bytes, std::size_t size, CpuMode mode);

enum class Finding {
    none,
    ours_accepts_other,      // ours decodes what Zydis rejects or calls another instruction
    differs,                 // both decode a supported form, differently
    ours_refuses_supported,  // Zydis decodes a supported form that ours refuses, undocumented
    truncation,              // ours accepts a prefix of the instruction it decoded
};

struct Comparison {
    Finding finding = Finding::none;
    bool ours_decoded = false;
    bool supported = false;           // Zydis calls it a supported form
    bool documented_refusal = false;  // supported, refused by ours on purpose
    std::string detail;               // what differs, for the report
};

// Zydis' view against a result of ours.
Comparison judge(const ZydisView& z, const Result<MovInstruction>& ours);
// Both decoders on the bytes, and ours on one byte fewer than it decoded.
Comparison compare_with_zydis(const std::uint8_t* bytes, std::size_t size, CpuMode mode);

const char* to_string(Finding f);
const char* to_string(CpuMode m);

}  // namespace septum::vmm::testing
