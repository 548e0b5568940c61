#include "septum/lib/format.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace {

struct StringSink {
    std::string out;
    void put(const char* s, std::size_t n) { out.append(s, n); }
};

template <typename... Args>
std::string fmt(const char* f, const Args&... args) {
    StringSink s;
    septum::format_to(s, f, args...);
    return s.out;
}

TEST(Format, PlainText) { EXPECT_EQ(fmt("hello"), "hello"); }

TEST(Format, Decimal) {
    EXPECT_EQ(fmt("{} {} {}", 0, 42u, -7), "0 42 -7");
    EXPECT_EQ(fmt("{}", std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
    EXPECT_EQ(fmt("{}", std::numeric_limits<std::uint64_t>::max()), "18446744073709551615");
}

TEST(Format, Hex) {
    EXPECT_EQ(fmt("{:x}", 0xdead000u), "0xdead000");
    EXPECT_EQ(fmt("{:x}", 0), "0x0");
    EXPECT_EQ(fmt("{:x}", std::uint64_t{0xffffffff80000000}), "0xffffffff80000000");
}

TEST(Format, StringsAndBooleans) {
    EXPECT_EQ(fmt("{}={}", "vmx", true), "vmx=1");
    EXPECT_EQ(fmt("[{}]", static_cast<const char*>(nullptr)), "[(null)]");
}

TEST(Format, MissingArgumentIsMarkedNotRead) { EXPECT_EQ(fmt("a {} b {}", 1), "a 1 b {?}"); }

TEST(Format, ExtraArgumentsAreIgnored) { EXPECT_EQ(fmt("a", 1, 2), "a"); }

TEST(Format, LoneBracesArePlainText) { EXPECT_EQ(fmt("{ {: {:y} }"), "{ {: {:y} }"); }

}  // namespace
