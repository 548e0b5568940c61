#include "septum/lib/cmdline.hpp"

#include <gtest/gtest.h>

#include <string>

using septum::boot::find_option;

namespace {

std::string value(const char* cmdline, const char* key) {
    auto v = find_option(cmdline, key);
    return v.present() ? std::string(v.text, v.length) : std::string("<absent>");
}

TEST(Cmdline, FindsValues) {
    EXPECT_EQ(value("septum.exit=emulator septum.selftest=fault", "septum.exit"), "emulator");
    EXPECT_EQ(value("septum.exit=emulator septum.selftest=fault", "septum.selftest"), "fault");
}

TEST(Cmdline, AbsentAndPrefixKeys) {
    EXPECT_EQ(value("septum.exit=emulator", "septum"), "<absent>");
    EXPECT_EQ(value("septum.exitx=1", "septum.exit"), "<absent>");
    EXPECT_EQ(value("", "septum.exit"), "<absent>");
    EXPECT_EQ(value(nullptr, "septum.exit"), "<absent>");
}

TEST(Cmdline, BareKeyAndEmptyValue) {
    EXPECT_EQ(value("quiet", "quiet"), "");
    EXPECT_EQ(value("quiet=", "quiet"), "");
}

TEST(Cmdline, LastOccurrenceWinsAndWhitespaceVaries) { EXPECT_EQ(value("  a=1\t a=2\n", "a"), "2"); }

TEST(Cmdline, EqualsComparesWholeValue) {
    EXPECT_TRUE(find_option("x=emulator", "x").equals("emulator"));
    EXPECT_FALSE(find_option("x=emulatorx", "x").equals("emulator"));
    EXPECT_FALSE(find_option("x=emu", "x").equals("emulator"));
    EXPECT_FALSE(find_option("", "x").equals(""));
}

}  // namespace
