// The kernel's side of the CPU's APIC virtualization, on the host: which
// features a processor's capability MSRs offer, the controls a set of them
// turns on, the MSR bitmap that lets only the virtualized x2APIC MSRs
// through (kernel/arch/x86_64/vmx/apic_controls.hpp), and the state
// filter's checks and writes of the apic part (apic_state.hpp,
// entry_checks.hpp) over a fake VMCS.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "apic_controls.hpp"
#include "entry_checks.hpp"

using namespace septum;
using namespace septum::arch;
namespace av = septum::abi::apic_virt;
using vmcs::Field;

namespace {

class FakeVmcs final : public vmx::VmcsAccess {
public:
    bool write(Field f, std::uint64_t v) override {
        fields[f] = v;
        order.push_back(f);
        return true;
    }
    [[nodiscard]] std::uint64_t read(Field f) const override {
        const auto it = fields.find(f);
        return it == fields.end() ? 0 : it->second;
    }
    std::map<Field, std::uint64_t> fields;
    std::vector<Field> order;
};

// Bochs' corei7_skylake_x: the primary controls allow the TPR shadow and
// MSR bitmaps; the secondary ones APIC-access, x2APIC and register
// virtualization and virtual-interrupt delivery (and EPT, VPID, ...).
constexpr std::uint32_t skylake_proc = 0xfff9fffe;
constexpr std::uint32_t skylake_proc2 = 0x0001f3ff;

TEST(ApicVirtualization, ValidCombinations) {
    EXPECT_TRUE(av::valid(0));
    EXPECT_TRUE(av::valid(av::tpr_shadow));
    EXPECT_TRUE(av::valid(av::apic_accesses));  // every access exits (APIC access)
    EXPECT_TRUE(av::valid(av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery));
    EXPECT_TRUE(av::valid(av::tpr_shadow | av::x2apic_mode | av::register_virtualization | av::interrupt_delivery));
    // The page's features need the TPR shadow (SDM 26.2.1.1).
    for (const std::uint32_t f : {av::x2apic_mode, av::register_virtualization, av::interrupt_delivery}) {
        EXPECT_FALSE(av::valid(f)) << f;
        EXPECT_FALSE(av::valid(f | av::apic_accesses)) << f;
        EXPECT_TRUE(av::valid(f | av::tpr_shadow)) << f;
    }
    // x2APIC and xAPIC virtualization exclude each other.
    EXPECT_FALSE(av::valid(av::tpr_shadow | av::apic_accesses | av::x2apic_mode));
    EXPECT_FALSE(av::valid(av::all + 1));
    EXPECT_FALSE(av::valid(~std::uint32_t{0}));
}

TEST(ApicVirtualization, OfferedFromTheCapabilityMsrs) {
    EXPECT_EQ(vmx::apic_offered(skylake_proc, skylake_proc2), av::all);
    EXPECT_EQ(vmx::apic_offered(0, 0), 0u);
    // Without secondary controls only the TPR shadow remains.
    EXPECT_EQ(vmx::apic_offered(skylake_proc & ~vmcs::proc::secondary_controls, skylake_proc2), av::tpr_shadow);
    // x2APIC virtualization without MSR bitmaps would virtualize nothing.
    EXPECT_EQ(vmx::apic_offered(skylake_proc & ~vmcs::proc::use_msr_bitmaps, skylake_proc2),
              av::all & ~av::x2apic_mode);
    EXPECT_EQ(vmx::apic_offered(skylake_proc, skylake_proc2 & ~vmcs::proc2::virtual_interrupt_delivery),
              av::all & ~av::interrupt_delivery);
}

TEST(ApicVirtualization, Controls) {
    // Without the TPR shadow, CR8 exits: the guest never writes the host's TPR.
    const vmx::ApicControls off = vmx::apic_controls(0);
    EXPECT_EQ(off.proc, vmcs::proc::cr8_load_exiting | vmcs::proc::cr8_store_exiting);
    EXPECT_EQ(off.proc2, 0u);
    EXPECT_EQ(vmx::apic_controls(av::apic_accesses).proc, off.proc);
    const vmx::ApicControls x =
        vmx::apic_controls(av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery);
    EXPECT_EQ(x.proc, vmcs::proc::use_tpr_shadow);
    EXPECT_EQ(x.proc2, vmcs::proc2::virtualize_apic_accesses | vmcs::proc2::apic_register_virtualization |
                           vmcs::proc2::virtual_interrupt_delivery);
    const vmx::ApicControls x2 = vmx::apic_controls(av::tpr_shadow | av::x2apic_mode);
    EXPECT_EQ(x2.proc, vmcs::proc::use_tpr_shadow | vmcs::proc::use_msr_bitmaps);
    EXPECT_EQ(x2.proc2, vmcs::proc2::virtualize_x2apic_mode);
}

// Every MSR of both ranges (and a few beyond), both directions, for every
// combination of the features that decide the bitmap.
TEST(ApicVirtualization, MsrBitmapPassesOnlyVirtualizedX2apicMsrs) {
    static std::uint8_t bitmap[vmx::msr_bitmap_size];
    for (const std::uint32_t f : {0u, av::register_virtualization + 0u, av::interrupt_delivery + 0u,
                                  av::register_virtualization | av::interrupt_delivery}) {
        vmx::fill_msr_bitmap(bitmap, av::tpr_shadow | av::x2apic_mode | f);
        const bool rv = (f & av::register_virtualization) != 0, vid = (f & av::interrupt_delivery) != 0;
        for (const std::uint32_t base : {0u, 0xc0000000u}) {
            for (std::uint32_t msr = base; msr <= base + 0x1fff; ++msr) {
                const bool x2apic = msr >= 0x800 && msr <= 0x8ff;
                const bool written = msr == 0x808 || msr == 0x80b || msr == 0x83f;
                ASSERT_EQ(vmx::msr_passes(bitmap, msr, false), rv && x2apic) << std::hex << msr << " " << f;
                ASSERT_EQ(vmx::msr_passes(bitmap, msr, true), vid && written) << std::hex << msr << " " << f;
            }
        }
        EXPECT_FALSE(vmx::msr_passes(bitmap, 0x2000, false));
        EXPECT_FALSE(vmx::msr_passes(bitmap, 0x40000000, true));
    }
}

septum::abi::VcpuState with_apic(std::uint8_t rvi, std::uint8_t svi, std::uint32_t threshold, std::uint64_t eoi) {
    septum::abi::VcpuState s{};
    s.apic.rvi = rvi;
    s.apic.svi = svi;
    s.apic.tpr_threshold = threshold;
    s.apic.eoi_exit[2] = eoi;
    return s;
}

const vmx::EntryLimits skylake_limits{0x80000021, 0xffffffff, 0x2000, 0x3767ff, 0x11ff, 0x3ffff};
constexpr std::uint64_t apic_part = septum::abi::vcpu_state::apic;
constexpr std::uint32_t xapic_all =
    av::tpr_shadow | av::apic_accesses | av::register_virtualization | av::interrupt_delivery;

TEST(ApicVirtualization, StateFilterRefusesWhatTheVcpuCannotTake) {
    FakeVmcs vmcs;
    std::uint64_t xcr0 = 0;
    const septum::abi::VcpuState none = with_apic(0, 0, 0, 0);
    // No virtual-APIC page, no apic part.
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, none, apic_part, xcr0, 0), Status::invalid_argument);
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, none, apic_part, xcr0, av::apic_accesses),
              Status::invalid_argument);
    // The threshold has four bits; the reserved half-word is zero.
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, with_apic(0, 0, 16, 0), apic_part, xcr0, xapic_all),
              Status::invalid_argument);
    septum::abi::VcpuState reserved = none;
    reserved.apic.reserved = 1;
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, reserved, apic_part, xcr0, xapic_all), Status::invalid_argument);
    // Interrupt status and EOI-exit bitmap only with virtual-interrupt delivery.
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, with_apic(0x30, 0, 0, 0), apic_part, xcr0, av::tpr_shadow),
              Status::invalid_argument);
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, with_apic(0, 0x30, 0, 0), apic_part, xcr0, av::tpr_shadow),
              Status::invalid_argument);
    EXPECT_EQ(vmx::load_state(vmcs, skylake_limits, with_apic(0, 0, 0, 1), apic_part, xcr0, av::tpr_shadow),
              Status::invalid_argument);
    EXPECT_TRUE(vmcs.order.empty()) << "a refused state wrote a field";
    // And the general check says the same.
    EXPECT_EQ(vmx::check_state(none, apic_part, skylake_limits, true), Status::invalid_argument);
    EXPECT_EQ(vmx::check_state(none, apic_part, skylake_limits, true, av::tpr_shadow), Status::ok);
}

TEST(ApicVirtualization, StateFilterWritesOnlyTheApicFields) {
    FakeVmcs vmcs;
    std::uint64_t xcr0 = 0;
    const septum::abi::VcpuState s = with_apic(0x41, 0x30, 0, 0x5);
    ASSERT_EQ(vmx::load_state(vmcs, skylake_limits, s, apic_part, xcr0, xapic_all), Status::ok);
    EXPECT_EQ(vmcs.fields.size(), 6u);
    EXPECT_EQ(vmcs.fields[Field::guest_interrupt_status], 0x3041u);
    EXPECT_EQ(vmcs.fields[Field::eoi_exit_bitmap_2], 0x5u);
    EXPECT_EQ(vmcs.fields[Field::tpr_threshold], 0u);
    septum::abi::VcpuState out{};
    vmx::store_state(vmcs, out, apic_part, xapic_all);
    EXPECT_EQ(out.apic.rvi, 0x41);
    EXPECT_EQ(out.apic.svi, 0x30);
    EXPECT_EQ(out.apic.eoi_exit[2], 0x5u);
    // With the TPR shadow alone: the threshold and nothing else.
    FakeVmcs shadow;
    ASSERT_EQ(vmx::load_state(shadow, skylake_limits, with_apic(0, 0, 7, 0), apic_part, xcr0, av::tpr_shadow),
              Status::ok);
    EXPECT_EQ(shadow.fields.size(), 1u);
    EXPECT_EQ(shadow.fields[Field::tpr_threshold], 7u);
    // A VCPU without features stores zeros, reading nothing.
    septum::abi::VcpuState zero = s;
    vmx::store_state(vmcs, zero, apic_part, 0);
    EXPECT_EQ(zero.apic.rvi, 0);
    EXPECT_EQ(zero.apic.eoi_exit[2], 0u);
}

}  // namespace
