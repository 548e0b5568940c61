// The CPUID a guest sees: the host's values, filtered once at start to
// what the VMM virtualizes, plus the hypervisor leaves. A feature is shown
// only when the guest can use it under this VMM (allow lists, not deny
// lists, so a new host feature stays hidden until someone decides).
#pragma once

#include <cstddef>
#include <cstdint>

namespace septum::vmm {

struct CpuidRegs {
    std::uint32_t eax, ebx, ecx, edx;
    friend constexpr bool operator==(const CpuidRegs&, const CpuidRegs&) = default;
};

// The machine's CPUID: the real instruction in the VMM (CPUID works in user
// mode), a table in tests and fuzzers.
class HostCpuid {
public:
    [[nodiscard]] virtual CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf) const = 0;

protected:
    HostCpuid() = default;
    HostCpuid(const HostCpuid&) = default;
    HostCpuid& operator=(const HostCpuid&) = default;
    ~HostCpuid() = default;
};

// What the VMM emulates beyond the CPU, which CPUID must show as it is.
struct CpuidOptions {
    // The TSC's rate (the kernel's calibration, BootInfo::tsc_khz); 0 if
    // unknown. Known, it appears in leaves 0x15 and 0x16, so the guest
    // need not calibrate against a PIT this platform does not have.
    std::uint32_t tsc_khz = 0;
    // A local APIC (xAPIC at 0xFEE00000, with the TSC-deadline timer mode
    // and a timer that runs in every idle state): APIC, TSC-deadline and
    // ARAT are shown.
    bool local_apic = false;
    // Its x2APIC mode too (needs local_apic).
    bool x2apic = false;
};

// Leaf 0x15's description of the TSC: a crystal clock (ECX Hz) times
// numerator/denominator (EBX/EAX). The crystal is the TSC divided by a
// small whole number, chosen so that its rate in Hz fits in ECX and is
// exact; the local APIC timer counts at the crystal rate, since Linux
// takes that as its rate (native_calibrate_tsc).
struct TscCrystal {
    std::uint32_t hz;         // 0: unknown TSC rate
    std::uint32_t tsc_ratio;  // TSC ticks per crystal tick
};
TscCrystal tsc_crystal(std::uint32_t tsc_khz);

class CpuidPolicy {
public:
    static constexpr std::uint32_t max_basic_leaf = 0xd;
    static constexpr std::uint32_t max_basic_leaf_with_tsc = 0x16;
    static constexpr std::uint32_t max_extended_leaf = 0x80000008;
    static constexpr std::uint32_t hypervisor_base = 0x40000000;
    static constexpr std::uint32_t hypervisor_max = 0x40000001;

    explicit CpuidPolicy(const HostCpuid& host, const CpuidOptions& options = {});

    // What the guest reads; `guest_cr4` supplies the OSXSAVE bit.
    [[nodiscard]] CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf, std::uint64_t guest_cr4) const;

    // Derived limits the other handlers check against.
    [[nodiscard]] std::uint64_t supported_xcr0() const { return supported_xcr0_; }
    [[nodiscard]] std::uint64_t allowed_cr4() const { return allowed_cr4_; }
    // The EFER bits a guest may set: SCE, NXE and LME as leaf 0x80000001 shows them.
    [[nodiscard]] std::uint64_t supported_efer() const { return supported_efer_; }
    [[nodiscard]] unsigned physical_address_bits() const { return physical_address_bits_; }
    // Whether leaf 7 shows IA32_TSC_ADJUST (the guest may then read it).
    [[nodiscard]] bool tsc_adjust() const { return tsc_adjust_; }
    // What the platform emulates, as the policy shows it.
    [[nodiscard]] const CpuidOptions& options() const { return options_; }
    [[nodiscard]] TscCrystal crystal() const { return tsc_crystal(options_.tsc_khz); }

private:
    struct Entry {
        std::uint32_t leaf;
        std::uint32_t subleaf;
        CpuidRegs regs;
    };
    static constexpr std::size_t capacity = 40;

    void add(std::uint32_t leaf, std::uint32_t subleaf, CpuidRegs regs);
    void add_basic(const HostCpuid& host, std::uint32_t host_max);
    void add_platform_leaves();
    void add_extended(const HostCpuid& host);
    [[nodiscard]] const Entry* find(std::uint32_t leaf, std::uint32_t subleaf) const;

    CpuidOptions options_;
    Entry entries_[capacity] = {};
    std::size_t count_ = 0;
    std::uint32_t basic_max_ = 0;
    std::uint32_t extended_max_ = 0;
    std::uint64_t supported_xcr0_ = 0;
    std::uint64_t allowed_cr4_ = 0;
    std::uint64_t supported_efer_ = 0;
    unsigned physical_address_bits_ = 36;
    bool tsc_adjust_ = false;
};

}  // namespace septum::vmm
