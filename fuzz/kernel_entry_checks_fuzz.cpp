// The kernel's VCPU state filter (kernel/arch/x86_64/vmx/entry_checks.hpp) as a
// hostile VMM sees it: any VcpuState, any mask, on a processor whose VMX
// limits are a real one's or come from the input. The filter writes into a
// fake VMCS that records every write. What must hold:
//
// - only the guest-state fields VcpuState names (SYSENTER and PAT among
//   them) and the few controls the filter computes itself are ever written: never host state, the EPT
//   pointer, the VPID, the execution controls, the preemption timer;
// - those computed values keep the kernel in charge: the CR0/CR4 masks
//   cover every bit VMX fixes, the guest's CR0/CR4 obey the fixed bits, the
//   entry controls are the processor's required ones plus IA-32e mode and
//   EFER and PAT loading only;
// - a refused state writes nothing, and the result agrees with check_state;
// - what was written reads back (store_state) as the VMM supplied it;
// - the APIC-virtualization fields are written only as far as the VCPU's
//   features (abi::apic_virt) have them, and the part is refused without
//   a virtual-APIC page.
//
// Input: byte 0 selects the limits (0-127 Skylake-like, else from bytes
// 1-40) and with bits 5:1 the VCPU's APIC-virtualization features, then the mask (2 bytes), the guest CR0 already in
// the VMCS (8), then the state: a valid protected-mode state patched by (offset, byte) pairs, or with byte 0 bit 0 set,
// raw bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "entry_checks.hpp"

using namespace septum;
using namespace septum::arch;
using vmcs::Field;

namespace {

[[noreturn]] void violated(const char* what, std::uint32_t field, std::uint64_t value) {
    std::fprintf(stderr, "oracle violated: %s (field %#x, value %#llx)\n", what, field,
                 static_cast<unsigned long long>(value));
    std::abort();
}

class Reader {
public:
    Reader(const std::uint8_t* d, std::size_t n) : d_{d}, n_{n} {}
    template <typename T>
    T read() {
        T v{};
        const std::size_t k = sizeof v < n_ - pos_ ? sizeof v : n_ - pos_;
        std::memcpy(&v, d_ + pos_, k);
        pos_ += k;
        return v;
    }
    [[nodiscard]] bool empty() const { return pos_ >= n_; }

private:
    const std::uint8_t* d_;
    std::size_t n_;
    std::size_t pos_ = 0;
};

class FakeVmcs final : public vmx::VmcsAccess {
public:
    static constexpr std::size_t capacity = 128;
    struct Write {
        Field field;
        std::uint64_t value;
    };

    explicit FakeVmcs(std::uint64_t guest_cr0) : guest_cr0_{guest_cr0} {}

    bool write(Field field, std::uint64_t value) override {
        if (count_ == capacity) {
            violated("more VMCS writes than fields", static_cast<std::uint32_t>(field), value);
        }
        writes_[count_++] = {field, value};
        return true;
    }
    [[nodiscard]] std::uint64_t read(Field field) const override {
        for (std::size_t i = count_; i > 0; --i) {
            if (writes_[i - 1].field == field) {
                return writes_[i - 1].value;
            }
        }
        return field == Field::guest_cr0 ? guest_cr0_ : 0;
    }
    [[nodiscard]] std::size_t count() const { return count_; }
    [[nodiscard]] const Write& at(std::size_t i) const { return writes_[i]; }

private:
    Write writes_[capacity] = {};
    std::size_t count_ = 0;
    std::uint64_t guest_cr0_;
};

bool apic_field(Field f) {
    switch (f) {
        case Field::tpr_threshold:
        case Field::guest_interrupt_status:
        case Field::eoi_exit_bitmap_0:
        case Field::eoi_exit_bitmap_1:
        case Field::eoi_exit_bitmap_2:
        case Field::eoi_exit_bitmap_3:
            return true;
        default:
            return false;
    }
}

// The APIC fields exist for a VCPU only with the features that use them:
// the threshold with the TPR shadow, the rest with virtual-interrupt
// delivery; the threshold has four bits.
void check_apic_write(std::uint32_t apic, const FakeVmcs::Write& w) {
    if (!apic_field(w.field)) {
        return;
    }
    const auto f = static_cast<std::uint32_t>(w.field);
    if ((apic & abi::apic_virt::tpr_shadow) == 0) {
        violated("an APIC field written without a virtual-APIC page", f, w.value);
    }
    if (w.field == Field::tpr_threshold ? w.value > 0xf : (apic & abi::apic_virt::interrupt_delivery) == 0) {
        violated("an APIC field beyond the VCPU's features", f, w.value);
    }
}

// The fields a VMM's state may reach: those VcpuState names (SDM Vol. 3
// 24.4), and the controls the filter computes from it.
bool vmm_reachable(Field f) {
    switch (f) {
        case Field::guest_rsp:
        case Field::guest_rip:
        case Field::guest_rflags:
        case Field::guest_cr0:
        case Field::guest_cr3:
        case Field::guest_cr4:
        case Field::guest_efer:
        case Field::guest_gdtr_base:
        case Field::guest_gdtr_limit:
        case Field::guest_idtr_base:
        case Field::guest_idtr_limit:
        case Field::guest_interruptibility:
        case Field::guest_activity:
        case Field::guest_sysenter_cs:
        case Field::guest_sysenter_esp:
        case Field::guest_sysenter_eip:
        case Field::guest_pat:
        case Field::cr0_mask:
        case Field::cr4_mask:
        case Field::cr0_read_shadow:
        case Field::cr4_read_shadow:
        case Field::entry_controls:
        case Field::entry_interruption_info:
        case Field::entry_exception_error:
        case Field::entry_instruction_length:
            return true;
        default:
            break;
    }
    if (apic_field(f)) {
        return true;  // check_apic_write says for which features
    }
    // Segment registers: selectors 0x0800-0x080e, limits 0x4800-0x480e,
    // access rights 0x4814-0x4822, bases 0x6806-0x6814 (SDM Vol. 3 B).
    const auto e = static_cast<std::uint32_t>(f);
    return (e >= 0x0800 && e <= 0x080e) || (e >= 0x4800 && e <= 0x480e) || (e >= 0x4814 && e <= 0x4822) ||
           (e >= 0x6806 && e <= 0x6814);
}

constexpr std::uint64_t cr0_pe = abi::x86::cr0::pe, cr0_pg = abi::x86::cr0::pg, cr4_vmxe = abi::x86::cr4::vmxe;
constexpr std::uint32_t entry_ia32e = vmcs::entry_ctl::ia32e_guest;
constexpr std::uint32_t entry_loads = vmcs::entry_ctl::load_efer | vmcs::entry_ctl::load_pat;

void check_written_value(const vmx::EntryLimits& l, const abi::VcpuState& s, const FakeVmcs::Write& w) {
    const auto f = static_cast<std::uint32_t>(w.field);
    const std::uint64_t cr0_must1 = l.cr0_fixed0 & ~(cr0_pe | cr0_pg);
    switch (w.field) {
        case Field::cr0_mask:
            if ((w.value & (cr0_must1 | ~l.cr0_fixed1)) != (cr0_must1 | ~l.cr0_fixed1)) {
                violated("the CR0 mask leaves a fixed bit to the guest", f, w.value);
            }
            break;
        case Field::cr4_mask:
            if ((w.value & (l.cr4_fixed0 | ~l.cr4_fixed1)) != (l.cr4_fixed0 | ~l.cr4_fixed1)) {
                violated("the CR4 mask leaves a fixed bit to the guest", f, w.value);
            }
            break;
        case Field::guest_cr0:
            if ((w.value & cr0_must1) != cr0_must1 || (w.value & ~l.cr0_fixed1) != 0) {
                violated("guest CR0 breaks the fixed bits", f, w.value);
            }
            break;
        case Field::guest_cr4:
            if ((w.value & l.cr4_fixed0) != l.cr4_fixed0 || (w.value & ~l.cr4_fixed1) != 0) {
                violated("guest CR4 breaks the fixed bits", f, w.value);
            }
            break;
        case Field::entry_controls: {
            const std::uint64_t ia32e = (s.efer & abi::x86::efer::lma) != 0 ? entry_ia32e : 0;
            if ((w.value & ~(std::uint64_t{l.entry_allowed0} | entry_ia32e | entry_loads)) != 0 ||
                (w.value & (l.entry_allowed0 | entry_loads)) != (l.entry_allowed0 | entry_loads) ||
                (w.value & entry_ia32e) != ia32e || (w.value & ~std::uint64_t{l.entry_allowed1}) != 0) {
                violated("entry controls beyond IA-32e mode and EFER and PAT loading", f, w.value);
            }
            break;
        }
        default:
            break;
    }
}

// What was written reads back as supplied.
void check_round_trip(const FakeVmcs& vmcs, const abi::VcpuState& s, std::uint64_t mask, std::uint32_t apic) {
    abi::VcpuState out = s;
    vmx::store_state(vmcs, out, mask, apic);
    if ((mask & abi::vcpu_state::apic) != 0 && std::memcmp(&out.apic, &s.apic, sizeof s.apic) != 0) {
        violated("the APIC fields do not read back as supplied", 0, mask);
    }
    const bool same = out.rsp == s.rsp && out.rip == s.rip && out.rflags == s.rflags && out.cr0 == s.cr0 &&
                      ((out.cr4 ^ s.cr4) & ~cr4_vmxe) == 0 && out.cr3 == s.cr3 && out.efer == s.efer &&
                      std::memcmp(&out.cs, &s.cs, 8 * sizeof s.cs) == 0 && out.gdtr.base == s.gdtr.base &&
                      out.gdtr.limit == s.gdtr.limit && out.idtr.base == s.idtr.base &&
                      out.idtr.limit == s.idtr.limit && out.interruptibility == s.interruptibility &&
                      out.activity == s.activity &&
                      ((mask & abi::vcpu_state::msrs) == 0 ||
                       (out.msrs.sysenter_cs == s.msrs.sysenter_cs && out.msrs.sysenter_esp == s.msrs.sysenter_esp &&
                        out.msrs.sysenter_eip == s.msrs.sysenter_eip && out.msrs.pat == s.msrs.pat));
    if (!same) {
        violated("state does not read back as supplied", 0, mask);
    }
}

vmx::EntryLimits limits_from(Reader& in, std::uint8_t choice) {
    // A Skylake server's VMX capability MSRs.
    vmx::EntryLimits l{0x80000021, 0xffffffff, 0x2000, 0x3767ff, 0x11ff, 0x3ffff};
    if (choice >= 128) {
        l = in.read<vmx::EntryLimits>();
        // Consistent MSRs: what must be 1 may be 1.
        l.cr0_fixed0 &= l.cr0_fixed1, l.cr4_fixed0 &= l.cr4_fixed1, l.entry_allowed0 &= l.entry_allowed1;
    }
    return l;
}

abi::VcpuState valid_state() {
    abi::VcpuState s{};
    s.rflags = 2;
    s.cr0 = 0x80000031 & ~cr0_pg;
    s.cr4 = 0x2000;
    s.cs = abi::Segment{0, 0xffffffff, 0xc09b, 8, {}};
    s.ds = s.es = s.fs = s.gs = s.ss = abi::Segment{0, 0xffffffff, 0xc093, 0x10, {}};
    s.tr = abi::Segment{0, 0x67, 0x8b, 0x18, {}};
    s.ldtr = abi::Segment{0, 0, 0x10000, 0, {}};
    s.xcr0 = 1;
    return s;
}

abi::VcpuState state_from(Reader& in, bool raw) {
    if (raw) {
        return in.read<abi::VcpuState>();
    }
    abi::VcpuState s = valid_state();
    auto* bytes = reinterpret_cast<std::uint8_t*>(&s);
    while (!in.empty()) {
        const auto offset = in.read<std::uint16_t>();
        bytes[offset % sizeof s] = in.read<std::uint8_t>();
    }
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{data, size};
    const auto choice = in.read<std::uint8_t>();
    const vmx::EntryLimits limits = limits_from(in, choice);
    const std::uint32_t apic = (choice >> 1) & abi::apic_virt::all;
    const std::uint64_t mask = in.read<std::uint16_t>();
    FakeVmcs vmcs{in.read<std::uint64_t>()};
    const abi::VcpuState s = state_from(in, (choice & 1) != 0);

    std::uint64_t xcr0 = 0;
    const Status status = vmx::load_state(vmcs, limits, s, mask, xcr0, apic);
    const std::uint64_t cr0 = (mask & abi::vcpu_state::control) != 0 ? s.cr0 : vmcs.read(Field::guest_cr0);
    if (status != vmx::check_state(s, mask, limits, (cr0 & cr0_pe) != 0, apic)) {
        violated("load_state and check_state disagree", 0, mask);
    }
    if (status != Status::ok && vmcs.count() != 0) {
        violated("a refused state was partly written", static_cast<std::uint32_t>(vmcs.at(0).field), mask);
    }
    for (std::size_t i = 0; i < vmcs.count(); ++i) {
        const FakeVmcs::Write& w = vmcs.at(i);
        if (!vmm_reachable(w.field)) {
            violated("a VMM's state wrote a field it must never reach", static_cast<std::uint32_t>(w.field), w.value);
        }
        check_written_value(limits, s, w);
        check_apic_write(apic, w);
    }
    if (status == Status::ok) {
        check_round_trip(vmcs, s, mask, apic);
    }
    return 0;
}
