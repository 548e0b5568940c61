// Google Benchmark figures for the capability library (docs/properties.md
// records them): lookup through 1, 2 and 4 CNode levels, copy, and revoke
// of a 1,000-capability subtree in three shapes.
#include <benchmark/benchmark.h>

#include <random>

#include "host_machine.hpp"
#include "septum/caps/authority.hpp"

namespace septum::caps {
namespace {

constexpr PhysAddr base = 0x100000;
constexpr std::uint8_t root_radix = 4;  // lookup levels are 4 bits each
constexpr std::uint8_t big_radix = 11;  // 2,048 slots for copies

// R (radix 4) with R[1] = R, an Untyped in R[0], an Endpoint in R[2] and a
// big CNode in R[3] for the copies.
struct Bench {
    testing::HostMachine machine{base, 1U << 20};
    Authority authority{machine};
    Slot root{};

    Bench() {
        const Capability r = capability_for_new_object(ObjectKind::cnode, base, root_radix + slot_bits);
        must(authority.create_initial(root, r));
        must(authority.create_initial(slot(0), capability_for_new_object(ObjectKind::untyped, base + (1U << 19), 19)));
        must(authority.copy(root, slot(1)));
        must(authority.retype(root, Address{0, root_radix}, static_cast<std::uint64_t>(ObjectKind::endpoint), 0,
                              Address{1, root_radix}, 2, 1));
        must(authority.retype(root, Address{0, root_radix}, static_cast<std::uint64_t>(ObjectKind::cnode), big_radix,
                              Address{1, root_radix}, 3, 1));
    }
    static void must(Status status) {
        if (status != Status::ok) {
            std::abort();
        }
    }
    Slot& slot(std::uint64_t index) { return machine.cnode_slots(base)[index]; }
    Slot& big(std::uint64_t index) { return machine.cnode_slots(slot(3).cap.object)[index]; }
};

void BM_Lookup(benchmark::State& state) {
    Bench bench;
    const auto levels = static_cast<std::uint64_t>(state.range(0));
    // Through R[1] (= R) levels-1 times, then R[2].
    std::uint64_t cptr = 0;
    for (std::uint64_t i = 1; i < levels; ++i) {
        cptr = (cptr << root_radix) | 1;
    }
    const Address address{(cptr << root_radix) | 2, levels * root_radix};
    for (auto _ : state) {
        Result<Slot*> slot = lookup_capability(bench.machine, bench.root, address);
        benchmark::DoNotOptimize(slot);
    }
}
BENCHMARK(BM_Lookup)->Arg(1)->Arg(2)->Arg(4);

void BM_Copy(benchmark::State& state) {
    Bench bench;
    const std::uint64_t slots = std::uint64_t{1} << big_radix;
    std::uint64_t next = 0;
    for (auto _ : state) {
        if (next == slots) {
            state.PauseTiming();
            for (std::uint64_t i = 0; i < slots; ++i) {
                Bench::must(bench.authority.remove(bench.big(i)));
            }
            next = 0;
            state.ResumeTiming();
        }
        Bench::must(bench.authority.copy(bench.slot(2), bench.big(next++)));
    }
}
BENCHMARK(BM_Copy);

// Shapes of the 1,000-node subtree under the Endpoint in R[2].
enum Shape : int { flat = 0, random_tree = 1, chain = 2 };

void build_subtree(Bench& bench, Shape shape) {
    std::mt19937 random{42};
    for (std::uint64_t i = 0; i < 1000; ++i) {
        Slot* parent = &bench.slot(2);
        if (i > 0 && shape == chain) {
            parent = &bench.big(i - 1);
        } else if (i > 0 && shape == random_tree) {
            parent = &bench.big(random() % i);
        }
        Bench::must(bench.authority.copy(*parent, bench.big(i)));
    }
}

void BM_Revoke1000(benchmark::State& state) {
    Bench bench;
    const auto shape = static_cast<Shape>(state.range(0));
    const std::uint64_t budget_per_call = static_cast<std::uint64_t>(state.range(1));
    for (auto _ : state) {
        state.PauseTiming();
        build_subtree(bench, shape);
        state.ResumeTiming();
        Status status = Status::preempted;
        while (status == Status::preempted) {
            Budget budget{budget_per_call};
            status = bench.authority.revoke(bench.slot(2), budget);
        }
        Bench::must(status);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}
// Args: shape (0 flat, 1 random tree, 2 chain), budget per call.
BENCHMARK(BM_Revoke1000)
    ->Args({flat, 1 << 20})
    ->Args({random_tree, 1 << 20})
    ->Args({chain, 1 << 20})
    ->Args({random_tree, 64})
    ->Args({chain, 64})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace septum::caps

BENCHMARK_MAIN();
