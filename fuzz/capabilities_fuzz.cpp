// libFuzzer harness for the capability library: raw bytes become a sequence
// of operations with raw arguments (mostly near-valid, some wild), run on a
// small system; after every step all of P1-P5 and "errors change nothing"
// must hold, or the harness aborts with the violation.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness.hpp"

namespace septum::caps::proofs {
namespace {

class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : data_{data}, size_{size} {}
    bool empty() const { return at_ >= size_; }
    std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
    std::uint64_t word() {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i) {
            value = (value << 8) | byte();
        }
        return value;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

constexpr std::uint8_t root_radix = 3;

Address address(Bytes& in) {
    const std::uint8_t v = in.byte();
    if (v < 240) {
        const std::uint64_t depth = root_radix + v % 3;  // R, or one or two levels further
        return Address{(v / 3) & ((std::uint64_t{1} << depth) - 1), depth};
    }
    const std::uint64_t cptr = in.word();
    return Address{cptr, in.byte()};
}

std::uint64_t small_or_word(Bytes& in) {
    const std::uint8_t v = in.byte();
    return v < 250 ? v : in.word();
}

Op decode(Bytes& in) {
    Op op;
    op.code = static_cast<OpCode>(in.byte() % static_cast<std::uint8_t>(OpCode::count_));
    op.a = address(in);
    op.b = address(in);
    op.rights = small_or_word(in) & 0x3F;
    op.data = small_or_word(in);
    op.kind = small_or_word(in) % 24;
    op.size_arg = small_or_word(in);
    op.offset = small_or_word(in);
    op.count = small_or_word(in) % 5;
    op.budget = 1 + in.byte() % 8;
    return op;
}

}  // namespace
}  // namespace septum::caps::proofs

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum::caps::proofs;
    static const StepChecks checks = [] {
        StepChecks c;
        c.probes = lookup_probes(root_radix + 2);
        return c;
    }();
    Bytes in{data, size};
    System system{Config{root_radix, 14, true}};
    std::string trace;
    for (int steps = 0; !in.empty() && steps < 64; ++steps) {
        const Op op = decode(in);
        const StepOutcome outcome = run_step(system, nullptr, op, checks);
        trace += describe(op) + " -> " + describe(outcome.status) + "\n";
        if (!outcome.violations.empty()) {
            std::fprintf(stderr, "%s%s", trace.c_str(), describe(outcome.violations).c_str());
            std::abort();
        }
    }
    return 0;
}
