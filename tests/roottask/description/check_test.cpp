// The root task's checks of a system description (roottask/description), on the
// host: every rule refuses what it should and names the cell, and no byte
// string of any length is read past its end (ASan).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "description/check.hpp"
#include "septum/abi/invocation.hpp"

namespace septum::roottask::description {
namespace {

abi::CellDescription good_cell(const char* name) {
    abi::CellDescription c{};
    std::strncpy(c.name, name, sizeof c.name - 1);
    std::strncpy(c.vmm_module, "vmm-server", sizeof c.vmm_module - 1);
    std::strncpy(c.guest_module, "guest-hello", sizeof c.guest_module - 1);
    c.image_kind = abi::ImageKind::flat;
    c.guest_ram_bytes = 64 * 1024;
    c.guest_entry = 0x1000;
    c.priority = 100;
    c.budget_us = 900;
    c.period_us = 2000;  // two of them and the console monitor: the whole CPU
    return c;
}

abi::SystemDescription two_cells() {
    abi::SystemDescription d{};
    d.magic = abi::system_magic;
    d.version = abi::system_version;
    d.cell_count = 2;
    d.cells[0] = good_cell("a");
    d.cells[1] = good_cell("b");
    return d;
}

Verdict check_of(const abi::SystemDescription& d) { return check(&d, sizeof d); }

TEST(Description, SoundOneAccepted) { EXPECT_EQ(check_of(two_cells()).error, Error::none); }

TEST(Description, HeaderRules) {
    abi::SystemDescription d = two_cells();
    d.magic ^= 1;
    EXPECT_EQ(check_of(d).error, Error::bad_magic);
    d = two_cells();
    d.version = abi::system_version + 1;
    EXPECT_EQ(check_of(d).error, Error::bad_version);
    d = two_cells();
    d.cell_count = 0;
    EXPECT_EQ(check_of(d).error, Error::cell_count);
    d.cell_count = abi::max_system_cells + 1;
    EXPECT_EQ(check_of(d).error, Error::cell_count);
}

TEST(Description, ShortInputsRefusedAtEveryLength) {
    const abi::SystemDescription d = two_cells();
    const std::size_t needed = offsetof(abi::SystemDescription, cells) + 2 * sizeof(abi::CellDescription);
    for (std::size_t n = 0; n < needed; ++n) {
        std::vector<std::uint8_t> bytes(n);  // exactly n bytes, so ASan sees any read past them
        if (n != 0) {
            std::memcpy(bytes.data(), &d, n);
        }
        EXPECT_EQ(check(bytes.data(), n).error, Error::too_short) << n;
    }
    std::vector<std::uint8_t> exact(needed);
    std::memcpy(exact.data(), &d, needed);
    EXPECT_EQ(check(exact.data(), needed).error, Error::none);
    EXPECT_EQ(check(nullptr, 100).error, Error::too_short);
}

// Breaks one field of cell 1 and expects that error, about that cell.
void expect_refused(void (*breaks)(abi::CellDescription&), Error want) {
    abi::SystemDescription d = two_cells();
    breaks(d.cells[1]);
    const Verdict v = check_of(d);
    EXPECT_EQ(v.error, want) << explain(want);
    EXPECT_EQ(v.cell, 1u);
    EXPECT_TRUE(about_a_cell(want));
}

TEST(Description, CellRules) {
    expect_refused([](abi::CellDescription& c) { c.name[0] = '\0'; }, Error::name);
    expect_refused([](abi::CellDescription& c) { c.name[0] = ' '; }, Error::name);
    expect_refused([](abi::CellDescription& c) { std::memset(c.name, 'x', sizeof c.name); }, Error::name);
    expect_refused([](abi::CellDescription& c) { c.name[0] = 'a'; }, Error::duplicate_name);
    expect_refused([](abi::CellDescription& c) { c.vmm_module[0] = '\0'; }, Error::module_name);
    expect_refused([](abi::CellDescription& c) { c.guest_module[2] = '\n'; }, Error::module_name);
    expect_refused([](abi::CellDescription& c) { std::memset(c.guest_module, 'g', sizeof c.guest_module); },
                   Error::module_name);
    expect_refused([](abi::CellDescription& c) { c.image_kind = static_cast<abi::ImageKind>(7); }, Error::image_kind);
    // An initrd and a command line: Linux kernels only, terminated, printable.
    expect_refused([](abi::CellDescription& c) { std::strcpy(c.command_line, "console=ttyS0"); }, Error::linux_only);
    expect_refused([](abi::CellDescription& c) { std::strcpy(c.initrd_module, "initrd"); }, Error::linux_only);
    expect_refused(
        [](abi::CellDescription& c) {
            c.image_kind = abi::ImageKind::linux_pvh;
            std::memset(c.command_line, 'x', sizeof c.command_line);
        },
        Error::command_line);
    expect_refused(
        [](abi::CellDescription& c) {
            c.image_kind = abi::ImageKind::linux_bzimage;
            std::strcpy(c.command_line, "console=ttyS0\n");
        },
        Error::command_line);
    expect_refused(
        [](abi::CellDescription& c) {
            c.image_kind = abi::ImageKind::linux_pvh;
            std::strcpy(c.initrd_module, "init rd");
        },
        Error::module_name);
    expect_refused([](abi::CellDescription& c) { c.guest_ram_bytes = 0; }, Error::guest_ram);
    expect_refused([](abi::CellDescription& c) { c.guest_ram_bytes = 4097; }, Error::guest_ram);
    expect_refused([](abi::CellDescription& c) { c.guest_ram_bytes = max_guest_ram + 4096; }, Error::guest_ram);
    expect_refused([](abi::CellDescription& c) { c.guest_entry = c.guest_ram_bytes; }, Error::guest_entry);
    expect_refused([](abi::CellDescription& c) { c.priority = 0; }, Error::priority);
    expect_refused([](abi::CellDescription& c) { c.priority = 255; }, Error::priority);
    expect_refused([](abi::CellDescription& c) { c.budget_us = 0; }, Error::budget);
    expect_refused([](abi::CellDescription& c) { c.budget_us = abi::min_budget_us - 1; }, Error::budget);
    expect_refused([](abi::CellDescription& c) { c.budget_us = 3000; }, Error::budget);
    expect_refused(
        [](abi::CellDescription& c) {
            c.period_us = abi::max_period_us + 1;
            c.budget_us = c.period_us / 2;
        },
        Error::budget);
    expect_refused([](abi::CellDescription& c) { c.max_resets = max_resets + 1; }, Error::resets);
}

// Guest RAM up to 3 GiB, the start of the guest-physical MMIO hole, in
// any multiple of 4 KiB; nothing past it, whatever the bits above.
TEST(Description, GuestRamUpToTheMmioHole) {
    abi::SystemDescription d = two_cells();
    d.cells[1].guest_entry = 0;
    for (const std::uint64_t bytes :
         {std::uint64_t{4096}, std::uint64_t{256} << 20, (std::uint64_t{1} << 30) + 4096, std::uint64_t{3} << 30}) {
        d.cells[1].guest_ram_bytes = bytes;
        EXPECT_EQ(check_of(d).error, Error::none) << bytes;
    }
    EXPECT_EQ(max_guest_ram, std::uint64_t{0xC0000000}) << "guest RAM ends where the MMIO hole begins";
    for (const std::uint64_t bytes : {max_guest_ram + 4096, std::uint64_t{4} << 30, std::uint64_t{1} << 63,
                                      (std::uint64_t{1} << 63) + (std::uint64_t{1} << 30)}) {
        d.cells[1].guest_ram_bytes = bytes;
        EXPECT_EQ(check_of(d).error, Error::guest_ram) << bytes;
    }
}

TEST(Description, MultibootEntryIsNotALoadAddress) {
    abi::SystemDescription d = two_cells();
    d.cells[1].image_kind = abi::ImageKind::multiboot;
    d.cells[1].guest_entry = ~std::uint64_t{0};
    EXPECT_EQ(check_of(d).error, Error::none);
}

TEST(Description, BudgetsAddUpExactly) {
    abi::SystemDescription d = two_cells();
    d.cell_count = 3;
    d.cells[2] = good_cell("c");
    for (auto& c : d.cells) {
        c.budget_us = 900;
        c.period_us = 3000;  // 30% each and the monitor's 10%: exactly the CPU
    }
    EXPECT_EQ(check_of(d).error, Error::none);
    d.cells[2].budget_us = 901;  // one microsecond more
    EXPECT_EQ(check_of(d).error, Error::overcommitted);
    EXPECT_FALSE(about_a_cell(Error::overcommitted));
}

TEST(Description, OddPeriodsFallBackWithoutUnderCounting) {
    // Periods whose least common multiple passes 2^32: 997, 991, 983, 977
    // ms (primes times 1000). Shares just under the CPU (with the console
    // monitor's tenth) are accepted, just over refused.
    abi::SystemDescription d = two_cells();
    d.cell_count = 4;
    d.cells[2] = good_cell("c");
    d.cells[3] = good_cell("d");
    const std::uint64_t periods[] = {997, 991, 983, 977};
    for (int i = 0; i < 4; ++i) {
        d.cells[i].period_us = periods[i] * 1000;
        d.cells[i].budget_us = periods[i] * 224;  // 22.4% each: with the monitor 0.996
    }
    EXPECT_EQ(check_of(d).error, Error::none);
    d.cells[0].budget_us = 997 * 224 + 3789;  // 0.99980
    EXPECT_EQ(check_of(d).error, Error::none);
    d.cells[0].budget_us = 997 * 224 + 4200;  // 1.00021
    EXPECT_EQ(check_of(d).error, Error::overcommitted);
}

}  // namespace
}  // namespace septum::roottask::description
