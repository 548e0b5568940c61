#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

constexpr std::uint32_t bit(unsigned n) { return 1u << n; }

TEST_F(VmmTest, CpuidHidesWhatIsNotVirtualized) {
    const CpuidRegs l1 = cpuid.query(1, 0, 0);
    for (unsigned hidden : {3u, 5u, 6u, 15u, 17u, 21u, 24u, 27u, 28u, 29u}) {  // MONITOR VMX SMX PDCM PCID
        EXPECT_EQ(l1.ecx & bit(hidden), 0u) << "ecx bit " << hidden;           // x2APIC TSC-dl OSXSAVE AVX F16C
    }
    EXPECT_NE(l1.ecx & bit(31), 0u);  // hypervisor
    EXPECT_NE(l1.ecx & bit(26), 0u);  // XSAVE (x87 and SSE state only)
    for (unsigned hidden : {7u, 9u, 14u, 28u}) {
        EXPECT_EQ(l1.edx & bit(hidden), 0u) << "edx bit " << hidden;
    }
    EXPECT_EQ(l1.ebx >> 16, 1u);  // one logical processor, APIC ID 0
    const CpuidRegs l7 = cpuid.query(7, 0, 0);
    EXPECT_EQ(l7.ebx & bit(10), 0u);  // INVPCID
    EXPECT_EQ(l7.ebx & bit(5), 0u);   // AVX2
    EXPECT_EQ(l7.ecx, 0u);
    EXPECT_EQ(l7.edx, 0u);
    EXPECT_EQ(cpuid.query(0xa, 0, 0), (CpuidRegs{0, 0, 0, 0}));  // perf monitoring
    EXPECT_EQ(cpuid.query(0x80000001, 0, 0).edx & bit(27), 0u);  // RDTSCP
}

TEST_F(VmmTest, CpuidXsaveOnlyX87AndSse) {
    EXPECT_EQ(cpuid.query(0xd, 0, 0), (CpuidRegs{3, 576, 576, 0}));
    EXPECT_EQ(cpuid.query(0xd, 1, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(cpuid.supported_xcr0(), 3u);
    EXPECT_NE(cpuid.query(1, 0, x86::cr4::osxsave).ecx & bit(27), 0u);  // OSXSAVE follows CR4
}

TEST_F(VmmTest, CpuidHypervisorLeaves) {
    const CpuidRegs h = cpuid.query(0x40000000, 0, 0);
    EXPECT_EQ(h.eax, 0x40000001u);
    char name[13] = {};
    for (int i = 0; i < 4; ++i) {
        name[i] = static_cast<char>(h.ebx >> (8 * i));
        name[4 + i] = static_cast<char>(h.ecx >> (8 * i));
        name[8 + i] = static_cast<char>(h.edx >> (8 * i));
    }
    EXPECT_STREQ(name, "SeptumSeptum");
}

TEST_F(VmmTest, CpuidBeyondMaximaIsZero) {
    EXPECT_EQ(cpuid.query(0, 0, 0).eax, 0xdu);
    EXPECT_EQ(cpuid.query(0xe, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(cpuid.query(0x16, 0, 0), (CpuidRegs{0, 0, 0, 0}));  // the host has it; the guest does not
    EXPECT_EQ(cpuid.query(0x40000002, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(cpuid.query(0x80000009, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(cpuid.query(0xffffffff, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(cpuid.query(4, 2, 0), (CpuidRegs{0, 0, 0, 0}));  // past the last cache level
    EXPECT_EQ(cpuid.query(4, 0, 0).eax >> 14, 0u);             // caches shared by no one
}

TEST_F(VmmTest, CpuidDerivedLimits) {
    EXPECT_EQ(cpuid.physical_address_bits(), 0x30u);
    EXPECT_EQ(cpuid.allowed_cr4() & (x86::cr4::vmxe | x86::cr4::pcide | x86::cr4::la57 | x86::cr4::pke), 0u);
    EXPECT_NE(cpuid.allowed_cr4() & x86::cr4::smep, 0u);
    // The bits a guest changes without an exit must be ones the policy
    // allows: the rest (MCE among them) exit and are checked.
    EXPECT_EQ(x86::cr4::guest_owned & ~cpuid.allowed_cr4(), 0u);
    EXPECT_EQ(x86::cr4::guest_owned & x86::cr4::mce, 0u);
}

// A host that reports an address width no processor has (found by the
// dispatch fuzzer: the width is a shift count in the CR3 check).
TEST(Cpuid, AnImpossibleAddressWidthIsHeldTo52Bits) {
    FakeHostCpuid host;
    host.leaves[{0x80000008, 0}] = {0x309e, 0, 0, 0};
    const CpuidPolicy p{host};
    EXPECT_EQ(p.physical_address_bits(), 52u);
    EXPECT_EQ(p.query(0x80000008, 0, 0).eax, 0x3034u);
}

// Of leaf 0x80000007 only the invariant TSC (EDX bit 8) is shown, and only
// where the host has it: the guest reads the host's TSC.
TEST(Cpuid, TheInvariantTscIsTheHosts) {
    FakeHostCpuid host;
    host.leaves[{0x80000007, 0}] = {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff};
    EXPECT_EQ(CpuidPolicy{host}.query(0x80000007, 0, 0), (CpuidRegs{0, 0, 0, 1u << 8}));
    host.leaves[{0x80000007, 0}] = {0xffffffff, 0xffffffff, 0xffffffff, ~(1u << 8)};
    EXPECT_EQ(CpuidPolicy{host}.query(0x80000007, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_NE(CpuidPolicy{host}.query(7, 0, 0).ebx & bit(1), 0u);  // IA32_TSC_ADJUST, which stays 0
}

TEST(Cpuid, AnOldHostWithoutLeaves) {
    struct Old final : HostCpuid {
        [[nodiscard]] CpuidRegs query(std::uint32_t leaf, std::uint32_t) const override {
            return leaf == 0 ? CpuidRegs{1, 0, 0, 0} : CpuidRegs{0, 0, 0, 0};
        }
    } old;
    const CpuidPolicy p{old};
    EXPECT_EQ(p.query(0, 0, 0).eax, 1u);
    EXPECT_EQ(p.query(7, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(p.query(0x80000000, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(p.supported_xcr0(), 0u);
    EXPECT_EQ(p.query(0x40000000, 0, 0).eax, 0x40000001u);
}

// What Linux makes of leaves 0x15 and 0x16 (arch/x86/kernel/tsc.c,
// native_calibrate_tsc and cpu_khz_from_cpuid), in its 32-bit arithmetic.
struct LinuxTsc {
    std::uint32_t tsc_khz, cpu_khz, lapic_timer_hz;
    bool known_frequency;
};
LinuxTsc linux_reads(const CpuidPolicy& p) {
    const CpuidRegs l15 = p.query(0x15, 0, 0);
    const CpuidRegs l16 = p.query(0x16, 0, 0);
    if (p.query(0, 0, 0).eax < 0x16 || l15.eax == 0 || l15.ebx == 0) {
        return {0, 0, 0, false};
    }
    const std::uint32_t crystal_khz = l15.ecx / 1000;
    return {crystal_khz * l15.ebx / l15.eax, l16.eax * 1000, crystal_khz * 1000, crystal_khz != 0};
}

TEST(Cpuid, TheTscRateIsShownSoLinuxNeedsNoPit) {
    FakeHostCpuid host;
    const CpuidPolicy p{host, CpuidOptions{2'112'345, true, false}};
    EXPECT_EQ(p.query(0, 0, 0).eax, 0x16u);
    EXPECT_EQ(p.query(0x15, 0, 0), (CpuidRegs{1, 1, 2'112'345'000, 0}));
    EXPECT_EQ(p.query(0x16, 0, 0), (CpuidRegs{2112, 2112, 2112, 0}));
    const LinuxTsc linux = linux_reads(p);
    EXPECT_TRUE(linux.known_frequency);  // X86_FEATURE_TSC_KNOWN_FREQ: no refinement against a PIT
    EXPECT_EQ(linux.tsc_khz, 2'112'345u);
    EXPECT_EQ(linux.cpu_khz, 2'112'000u);             // within 10% of the TSC: Linux keeps it
    EXPECT_EQ(linux.lapic_timer_hz, p.crystal().hz);  // the local APIC timer must count at this rate
    for (std::uint32_t leaf = 0xe; leaf < 0x15; ++leaf) {
        EXPECT_EQ(p.query(leaf, 0, 0), (CpuidRegs{0, 0, 0, 0})) << leaf;  // in range now, listed nowhere
    }
}

TEST(Cpuid, TheCrystalIsExactAndFitsAtEveryRate) {
    for (std::uint64_t khz = 1; khz <= 0xffffffff; khz = khz * 3 + 7) {
        const TscCrystal c = tsc_crystal(static_cast<std::uint32_t>(khz));
        ASSERT_NE(c.hz, 0u) << khz;
        ASSERT_EQ(std::uint64_t{c.hz} * c.tsc_ratio, khz * 1000) << khz;
        // Linux's result is off by less than one ratio, and exact below 4.29 GHz.
        const std::uint64_t linux_khz = std::uint64_t{c.hz / 1000} * c.tsc_ratio;
        ASSERT_LE(khz - linux_khz, c.tsc_ratio - 1u) << khz;
        ASSERT_EQ(c.tsc_ratio == 1, khz * 1000 <= 0xffffffff) << khz;
    }
    EXPECT_EQ(tsc_crystal(5'000'000).tsc_ratio, 2u);
    EXPECT_EQ(tsc_crystal(0xffffffff).tsc_ratio, 1000u);
    EXPECT_EQ(tsc_crystal(0).hz, 0u);
}

TEST(Cpuid, AnUnknownTscRateLeavesTheLeavesOut) {
    FakeHostCpuid host;
    const CpuidPolicy p{host, CpuidOptions{0, true, true}};
    EXPECT_EQ(p.query(0, 0, 0).eax, 0xdu);
    EXPECT_EQ(p.query(0x15, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_FALSE(linux_reads(p).known_frequency);
}

TEST(Cpuid, TheLocalApicAndItsTimerModesFollowThePlatform) {
    FakeHostCpuid host;
    const CpuidPolicy with{host, CpuidOptions{1'000'000, true, true}};
    const CpuidRegs l1 = with.query(1, 0, 0);
    EXPECT_NE(l1.edx & bit(9), 0u);                                // APIC
    EXPECT_NE(l1.ecx & bit(24), 0u);                               // TSC-deadline
    EXPECT_NE(l1.ecx & bit(21), 0u);                               // x2APIC
    EXPECT_EQ(with.query(6, 0, 0), (CpuidRegs{bit(2), 0, 0, 0}));  // ARAT, nothing else of power management
    EXPECT_EQ(l1.ebx >> 24, 0u);                                   // initial APIC ID 0, as in the MP table

    const CpuidPolicy xapic_only{host, CpuidOptions{1'000'000, true, false}};
    EXPECT_EQ(xapic_only.query(1, 0, 0).ecx & bit(21), 0u);
    const CpuidPolicy no_apic{host, CpuidOptions{1'000'000, false, true}};  // x2APIC needs an APIC
    EXPECT_EQ(no_apic.query(1, 0, 0).ecx & (bit(21) | bit(24)), 0u);
    EXPECT_EQ(no_apic.query(1, 0, 0).edx & bit(9), 0u);
    EXPECT_EQ(no_apic.query(6, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_FALSE(no_apic.options().x2apic);
}

TEST(Cpuid, AnOldHostStillGetsThePlatformLeaves) {
    struct Old final : HostCpuid {
        [[nodiscard]] CpuidRegs query(std::uint32_t leaf, std::uint32_t) const override {
            return leaf <= 1 ? CpuidRegs{1, 0, 0, 0} : CpuidRegs{0, 0, 0, 0};
        }
    } old;
    const CpuidPolicy p{old, CpuidOptions{3'000'000, true, false}};
    EXPECT_EQ(p.query(0, 0, 0).eax, 0x16u);
    EXPECT_EQ(p.query(6, 0, 0).eax, bit(2));
    EXPECT_EQ(p.query(4, 0, 0), (CpuidRegs{0, 0, 0, 0}));
    EXPECT_EQ(p.query(0x15, 0, 0).ecx, 3'000'000'000u);
}

}  // namespace
}  // namespace septum::vmm::testing
