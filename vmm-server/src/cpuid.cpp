#include <septum/vmm/cpuid.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

constexpr std::uint32_t bit(unsigned n) { return 1u << n; }

// Leaf 1 ECX (SDM Vol. 2A CPUID, Table 3-10): SSE3, PCLMULQDQ, SSSE3, CX16,
// SSE4.1, SSE4.2, MOVBE, POPCNT, AES, XSAVE, RDRAND. Hidden, among others:
// MONITOR (3), VMX (5), SMX (6), PDCM (15, perf monitoring), PCID (17),
// x2APIC (21), TSC-deadline (24), AVX (28) and F16C (29), whose state is
// beyond x87/SSE.
constexpr std::uint32_t leaf1_ecx_allowed =
    bit(0) | bit(1) | bit(9) | bit(13) | bit(19) | bit(20) | bit(22) | bit(23) | bit(25) | bit(26) | bit(30);
constexpr std::uint32_t leaf1_ecx_xsave = bit(26);
constexpr std::uint32_t leaf1_ecx_osxsave = bit(27);
constexpr std::uint32_t leaf1_ecx_hypervisor = bit(31);

// Shown when the platform emulates them (CpuidOptions): x2APIC, TSC-deadline.
constexpr std::uint32_t leaf1_ecx_x2apic = bit(21);
constexpr std::uint32_t leaf1_ecx_tsc_deadline = bit(24);

// Leaf 1 EDX (Table 3-11): FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, MTRR,
// PGE, CMOV, PAT, PSE-36, CLFSH, MMX, FXSR, SSE, SSE2. Hidden: MCE and MCA
// (no machine-check MSRs), APIC (unless the platform has one), PSN, DS,
// ACPI, SS, HTT (one logical processor), TM, PBE.
constexpr std::uint32_t leaf1_edx_allowed = bit(0) | bit(1) | bit(2) | bit(3) | bit(4) | bit(5) | bit(6) | bit(8) |
                                            bit(11) | bit(12) | bit(13) | bit(15) | bit(16) | bit(17) | bit(19) |
                                            bit(23) | bit(24) | bit(25) | bit(26);
constexpr std::uint32_t leaf1_edx_apic = bit(9);

// Leaf 6 EAX bit 2: the APIC timer runs in every C-state (ARAT). The
// emulated timer does not depend on the host's power states.
constexpr std::uint32_t leaf6_eax_arat = bit(2);

// Leaf 7.0 EBX (Table 3-8): FSGSBASE, IA32_TSC_ADJUST, BMI1, SMEP, BMI2,
// ERMS, RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB. Hidden: SGX, HLE/RTM, AVX2 and AVX-512 (XSAVE
// state), INVPCID (10), RDT, MPX, PT. ECX and EDX are hidden whole (PKU,
// LA57, speculation controls that need MSRs the guest does not get).
constexpr std::uint32_t leaf7_ebx_allowed =
    bit(0) | bit(1) | bit(3) | bit(7) | bit(8) | bit(9) | bit(18) | bit(19) | bit(20) | bit(23) | bit(24);
constexpr std::uint32_t leaf7_ebx_fsgsbase = bit(0);
constexpr std::uint32_t leaf7_ebx_smep = bit(7);
constexpr std::uint32_t leaf7_ebx_smap = bit(20);
constexpr std::uint32_t leaf7_ebx_tsc_adjust = bit(1);

// Leaf 0x80000007 EDX bit 8: the TSC runs at a constant rate in every
// state (invariant TSC). The guest reads the host's TSC itself, so it is
// invariant exactly when the host's is. With it and IA32_TSC_ADJUST Linux
// trusts the TSC without a clocksource watchdog, which on a tick-based
// watchdog (no HPET here) would call it unstable whenever the cell waits
// for its CPU share, and keep a periodic tick.
constexpr std::uint32_t ext7_edx_invariant_tsc = bit(8);

// Leaf 0x80000001 (Tables 3-8): ECX LAHF/SAHF, LZCNT, PREFETCHW; EDX
// SYSCALL, NX, 1-GByte pages, long mode. Hidden: RDTSCP (27).
constexpr std::uint32_t ext1_ecx_allowed = bit(0) | bit(5) | bit(8);
constexpr std::uint32_t ext1_edx_syscall = bit(11);
constexpr std::uint32_t ext1_edx_nx = bit(20);
constexpr std::uint32_t ext1_edx_long_mode = bit(29);
constexpr std::uint32_t ext1_edx_allowed = ext1_edx_syscall | ext1_edx_nx | bit(26) | ext1_edx_long_mode;

// XSAVE area for x87 and SSE: the 512-byte legacy region and the 64-byte
// header (SDM Vol. 1 13.4).
constexpr std::uint32_t xsave_legacy_size = 576;

// "SeptumSeptum" in EBX, ECX, EDX order, little-endian.
constexpr std::uint32_t fourcc(const char (&s)[5]) {
    return static_cast<std::uint32_t>(s[0]) | static_cast<std::uint32_t>(s[1]) << 8 |
           static_cast<std::uint32_t>(s[2]) << 16 | static_cast<std::uint32_t>(s[3]) << 24;
}

bool has_subleaves(std::uint32_t leaf) { return leaf == 4 || leaf == 7 || leaf == 0xd; }

}  // namespace

TscCrystal tsc_crystal(std::uint32_t tsc_khz) {
    // The divisors of 1,000: with one of them as the ratio the crystal's
    // rate in Hz, tsc_khz * (1000 / ratio), is a whole number. The
    // smallest that fits 32 bits keeps the crystal as fine as possible; at
    // most 1,000 is needed (tsc_khz < 2^32).
    constexpr std::uint32_t ratios[] = {1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000};
    for (const std::uint32_t ratio : ratios) {
        const std::uint64_t hz = std::uint64_t{tsc_khz} * (1000 / ratio);
        if (hz <= 0xffffffff) {
            return {static_cast<std::uint32_t>(hz), ratio};
        }
    }
    return {0, 1};  // not reached
}

CpuidPolicy::CpuidPolicy(const HostCpuid& host, const CpuidOptions& options) : options_{options} {
    options_.x2apic = options.x2apic && options.local_apic;
    add_basic(host, host.query(0, 0).eax);
    add_platform_leaves();
    add(hypervisor_base, 0, {hypervisor_max, fourcc("Sept"), fourcc("umSe"), fourcc("ptum")});
    add(hypervisor_max, 0, {0, 0, 0, 0});
    add_extended(host);
}

void CpuidPolicy::add(std::uint32_t leaf, std::uint32_t subleaf, CpuidRegs regs) {
    if (count_ < capacity) {
        entries_[count_++] = Entry{leaf, subleaf, regs};
    }
}

void CpuidPolicy::add_basic(const HostCpuid& host, std::uint32_t host_max) {
    // The host's leaves up to 0xD are filtered; the platform's (6, 0x15,
    // 0x16) are made whatever the host has.
    const std::uint32_t copied_max = host_max < max_basic_leaf ? host_max : max_basic_leaf;
    basic_max_ = copied_max;
    if (options_.local_apic && basic_max_ < 6) {
        basic_max_ = 6;
    }
    if (options_.tsc_khz != 0) {
        basic_max_ = max_basic_leaf_with_tsc;
    }
    const CpuidRegs leaf0 = host.query(0, 0);
    add(0, 0, {basic_max_, leaf0.ebx, leaf0.ecx, leaf0.edx});
    if (copied_max < 1) {
        return;
    }
    CpuidRegs l1 = host.query(1, 0);
    // One logical processor, APIC ID 0 (EBX 23:16 and 31:24).
    l1.ebx = (l1.ebx & 0xffffu) | (1u << 16);
    l1.ecx = (l1.ecx & leaf1_ecx_allowed) | leaf1_ecx_hypervisor;
    l1.edx &= leaf1_edx_allowed;
    if (options_.local_apic) {
        l1.ecx |= leaf1_ecx_tsc_deadline | (options_.x2apic ? leaf1_ecx_x2apic : 0);
        l1.edx |= leaf1_edx_apic;
    }
    add(1, 0, l1);
    const bool xsave = (l1.ecx & leaf1_ecx_xsave) != 0;

    allowed_cr4_ = x86::cr4::vme | x86::cr4::pvi | x86::cr4::tsd | x86::cr4::de | x86::cr4::pse | x86::cr4::pae |
                   x86::cr4::pge | x86::cr4::pce | x86::cr4::osfxsr | x86::cr4::osxmmexcpt;
    if (xsave) {
        allowed_cr4_ |= x86::cr4::osxsave;
        supported_xcr0_ = x86::xcr0::x87 | x86::xcr0::sse;
    }
    if (copied_max >= 2) {
        add(2, 0, host.query(2, 0));
    }
    if (copied_max >= 4) {
        // Cache levels as the host has them, shared by no one (EAX 31:14).
        for (std::uint32_t sub = 0; sub < 8; ++sub) {
            CpuidRegs c = host.query(4, sub);
            if ((c.eax & 0x1f) == 0) {
                break;
            }
            c.eax &= 0x3fff;
            add(4, sub, c);
        }
    }
    if (copied_max >= 7) {
        const CpuidRegs l7 = host.query(7, 0);
        const std::uint32_t ebx = l7.ebx & leaf7_ebx_allowed;
        add(7, 0, {0, ebx, 0, 0});
        tsc_adjust_ = (ebx & leaf7_ebx_tsc_adjust) != 0;
        allowed_cr4_ |= ((ebx & leaf7_ebx_fsgsbase) != 0 ? x86::cr4::fsgsbase : 0) |
                        ((ebx & leaf7_ebx_smep) != 0 ? x86::cr4::smep : 0) |
                        ((ebx & leaf7_ebx_smap) != 0 ? x86::cr4::smap : 0);
    }
    if (copied_max >= 0xd && xsave) {
        // x87 and SSE only; sub-leaf 1 (XSAVEOPT, XSAVEC, XGETBV 1, XSAVES)
        // stays zero.
        add(0xd, 0, {static_cast<std::uint32_t>(supported_xcr0_), xsave_legacy_size, xsave_legacy_size, 0});
    }
}

void CpuidPolicy::add_platform_leaves() {
    if (options_.local_apic) {
        add(6, 0, {leaf6_eax_arat, 0, 0, 0});
    }
    const TscCrystal crystal = tsc_crystal(options_.tsc_khz);
    if (crystal.hz == 0) {
        return;
    }
    // 0x15: TSC = crystal * EBX / EAX. 0x16: base and maximum frequency
    // in MHz (Linux's cpu_khz), and the bus (the crystal) in MHz; 16 bits
    // each (SDM Vol. 2A CPUID, leaves 15H and 16H).
    add(0x15, 0, {1, crystal.tsc_ratio, crystal.hz, 0});
    const std::uint32_t mhz = options_.tsc_khz / 1000 < 0xffff ? options_.tsc_khz / 1000 : 0xffff;
    add(0x16, 0, {mhz, mhz, crystal.hz / 1000000, 0});
}

void CpuidPolicy::add_extended(const HostCpuid& host) {
    const CpuidRegs e0 = host.query(0x80000000, 0);
    if (e0.eax < 0x80000000) {
        return;
    }
    extended_max_ = e0.eax < max_extended_leaf ? e0.eax : max_extended_leaf;
    add(0x80000000, 0, {extended_max_, e0.ebx, e0.ecx, e0.edx});
    for (std::uint32_t leaf = 0x80000001; leaf <= extended_max_; ++leaf) {
        CpuidRegs r = host.query(leaf, 0);
        switch (leaf) {
            case 0x80000001:
                r = {r.eax, 0, r.ecx & ext1_ecx_allowed, r.edx & ext1_edx_allowed};
                supported_efer_ = ((r.edx & ext1_edx_syscall) != 0 ? x86::efer::sce : 0) |
                                  ((r.edx & ext1_edx_nx) != 0 ? x86::efer::nxe : 0) |
                                  ((r.edx & ext1_edx_long_mode) != 0 ? x86::efer::lme : 0);
                break;
            case 0x80000007:  // power management: the invariant TSC only
                r = {0, 0, 0, r.edx & ext7_edx_invariant_tsc};
                break;
            case 0x80000008:
                // Address sizes only; EBX holds speculation-control features.
                r = {r.eax & 0xffff, 0, 0, 0};
                if ((r.eax & 0xff) != 0) {
                    // MAXPHYADDR is at most 52 (SDM Vol. 3A 4.1.4); a host that
                    // says more is held to that, so the width stays a valid shift.
                    constexpr std::uint32_t max_physical_address_bits = 52;
                    const std::uint32_t bits = r.eax & 0xff;
                    physical_address_bits_ = bits < max_physical_address_bits ? bits : max_physical_address_bits;
                    r.eax = (r.eax & 0xff00) | physical_address_bits_;
                }
                break;
            default:  // brand string, cache descriptions
                break;
        }
        add(leaf, 0, r);
    }
}

const CpuidPolicy::Entry* CpuidPolicy::find(std::uint32_t leaf, std::uint32_t subleaf) const {
    for (std::size_t i = 0; i < count_; ++i) {
        if (entries_[i].leaf == leaf && entries_[i].subleaf == subleaf) {
            return &entries_[i];
        }
    }
    return nullptr;
}

CpuidRegs CpuidPolicy::query(std::uint32_t leaf, std::uint32_t subleaf, std::uint64_t guest_cr4) const {
    const bool known = leaf <= basic_max_ || (leaf >= hypervisor_base && leaf <= hypervisor_max) ||
                       (extended_max_ != 0 && leaf >= 0x80000000 && leaf <= extended_max_);
    if (!known) {
        return {0, 0, 0, 0};  // beyond every maximum: zeros, not the host's last leaf
    }
    const Entry* e = find(leaf, has_subleaves(leaf) ? subleaf : 0);
    if (e == nullptr) {
        return {0, 0, 0, 0};
    }
    CpuidRegs r = e->regs;
    if (leaf == 1 && (r.ecx & leaf1_ecx_xsave) != 0 && (guest_cr4 & x86::cr4::osxsave) != 0) {
        r.ecx |= leaf1_ecx_osxsave;  // SDM Vol. 2A CPUID: reflects CR4.OSXSAVE
    }
    return r;
}

}  // namespace septum::vmm
