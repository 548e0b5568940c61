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

}  // namespace
}  // namespace septum::vmm::testing
