// What the console monitor takes from a cell's ring (roottask/cells/
// console_take.hpp), on the host: every byte a cell writes is either taken
// or counted lost, never both and never neither, and lost only when the
// ring no longer holds it; no cell has more than its allowance taken in
// any period; a count that goes back or runs ahead is survived.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <vector>

#include "cells/console_take.hpp"

namespace septum::roottask {
namespace {

constexpr std::uint64_t ring = 4088;
constexpr ConsoleLimit limit{64, 1000};

TEST(ConsoleTake, TakesWhatIsNewWithinTheAllowance) {
    ConsoleAllowance a;
    const ConsoleTake t = plan_take(10, 0, ring, 5, limit, a);
    EXPECT_EQ(t.from, 0u);
    EXPECT_EQ(t.to, 10u);
    EXPECT_EQ(t.lost, 0u);
    EXPECT_FALSE(t.misbehaved);
    EXPECT_EQ(a.taken, 10u);
}

TEST(ConsoleTake, TheExcessOverTheAllowanceWaits) {
    ConsoleAllowance a;
    const ConsoleTake first = plan_take(50, 0, ring, 5, limit, a);
    EXPECT_EQ(first.to - first.from, 50u);
    const ConsoleTake second = plan_take(100, 50, ring, 6, limit, a);
    EXPECT_EQ(second.from, 50u);
    EXPECT_EQ(second.to, 64u);  // 14 more make the period's 64
    EXPECT_EQ(second.lost, 0u);
    const ConsoleTake third = plan_take(110, 64, ring, 7, limit, a);
    EXPECT_EQ(third.to, 64u);  // nothing more this period
    EXPECT_EQ(third.lost, 0u);
    const ConsoleTake fourth = plan_take(110, 64, ring, 1005, limit, a);
    EXPECT_EQ(fourth.from, 64u);  // the next period takes what waited
    EXPECT_EQ(fourth.to, 110u);
    EXPECT_EQ(fourth.lost, 0u);
}

TEST(ConsoleTake, ANewPeriodBringsANewAllowance) {
    ConsoleAllowance a;
    (void)plan_take(64, 0, ring, 5, limit, a);
    EXPECT_EQ(plan_take(70, 64, ring, 999, limit, a).to, 64u);
    const ConsoleTake next = plan_take(80, 64, ring, 1000, limit, a);
    EXPECT_EQ(next.to - next.from, 16u);
    EXPECT_EQ(next.lost, 0u);
    EXPECT_EQ(a.period_start, 1000u);
    (void)plan_take(81, 80, ring, 5500, limit, a);  // periods missed are skipped
    EXPECT_EQ(a.period_start, 5000u);
    EXPECT_EQ(a.taken, 1u);
}

TEST(ConsoleTake, OverwrittenBytesAreLostFirst) {
    ConsoleAllowance a;
    const ConsoleTake t = plan_take(ring + 100, 0, ring, 5, limit, a);
    EXPECT_EQ(t.from, 100u);
    EXPECT_EQ(t.to, 164u);
    EXPECT_EQ(t.lost, 100u);  // the rest of the ring waits
}

TEST(ConsoleTake, ACountThatGoesBackIsSkippedTo) {
    ConsoleAllowance a;
    const ConsoleTake t = plan_take(5, 20, ring, 5, limit, a);
    EXPECT_TRUE(t.misbehaved);
    EXPECT_EQ(t.from, 5u);
    EXPECT_EQ(t.to, 5u);
    EXPECT_EQ(a.taken, 0u);
}

TEST(ConsoleTake, NoLimitTakesEverythingTheRingHolds) {
    ConsoleAllowance a;
    const ConsoleTake t = plan_take(3000, 0, ring, 5, ConsoleLimit{}, a);
    EXPECT_EQ(t.to - t.from, 3000u);
    EXPECT_EQ(t.lost, 0u);
}

// One look at the ring: the writer adds `more` bytes (or, misbehaving, sets
// its count back by `back`), and `elapsed` ticks pass.
struct Look {
    std::uint64_t more;
    std::uint64_t elapsed;
};

RC_GTEST_PROP(ConsoleTake, EveryByteIsTakenOrLostOnlyWhenOverwrittenAndNoPeriodExceedsTheAllowance, ()) {
    const auto looks = *rc::gen::container<std::vector<Look>>(rc::gen::construct<Look>(
        rc::gen::inRange<std::uint64_t>(0, 3 * ring), rc::gen::inRange<std::uint64_t>(0, 3 * limit.period)));
    ConsoleAllowance a;
    std::uint64_t written = 0, read = 0, now = *rc::gen::inRange<std::uint64_t>(0, 1u << 30);
    std::uint64_t taken = 0, lost = 0;
    std::uint64_t period = now / limit.period, in_period = 0;
    for (const Look& l : looks) {
        written += l.more;
        now += l.elapsed;
        const ConsoleTake t = plan_take(written, read, ring, now, limit, a);
        RC_ASSERT(!t.misbehaved);
        RC_ASSERT(t.from <= t.to);
        RC_ASSERT(t.to <= written);
        RC_ASSERT(written - t.from <= ring);  // only bytes still in the ring
        if (now / limit.period != period) {
            period = now / limit.period;
            in_period = 0;
        }
        in_period += t.to - t.from;
        RC_ASSERT(in_period <= limit.bytes_per_period);
        RC_ASSERT(t.from - read == t.lost);  // lost: only what the ring no longer holds
        RC_ASSERT(t.lost == 0 || written - t.from == ring);
        taken += t.to - t.from;
        lost += t.lost;
        read = t.to;
        RC_ASSERT(taken + lost == read);
    }
}

}  // namespace
}  // namespace septum::roottask
