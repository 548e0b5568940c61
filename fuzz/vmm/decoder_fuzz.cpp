// The MMIO decoder (decoder.hpp) against Zydis: the first byte picks the
// CPU mode, the rest are instruction bytes. Wherever Zydis decodes a form
// ours claims, ours must decode it the same (length, sizes, register,
// direction, immediate) or refuse it for a documented prefix; wherever
// ours decodes, Zydis must agree; one byte fewer than ours decoded must be
// "truncated". Anything else aborts, with both readings on stderr.
#include <cstdint>
#include <cstdio>

#include "decoder_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum::vmm;
    if (size < 1) {
        return 0;
    }
    constexpr unsigned modes = 5;
    const auto mode = static_cast<CpuMode>(data[0] % modes);
    const testing::Comparison c = testing::compare_with_zydis(data + 1, size - 1, mode);
    if (c.finding != testing::Finding::none) {
        std::fprintf(stderr, "decoder finding in %s mode: %s: %s\n", testing::to_string(mode),
                     testing::to_string(c.finding), c.detail.c_str());
        __builtin_trap();
    }
    return 0;
}
