#include "machine.hpp"

#include "device_oracles.hpp"

#include <septum/vmm/msr.hpp>
#include <septum/vmm/x86.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace septum::fuzz {

void violated(const char* format, ...) {
    std::va_list args;
    va_start(args, format);
    std::fputs("oracle violated: ", stderr);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    va_end(args);
    std::abort();
}

// --- devices -------------------------------------------------------------

void CheckedDevice::check(std::uint64_t offset, unsigned size, bool write) {
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        violated("%s access of size %u at %#llx", mmio_ ? "MMIO" : "port", size,
                 static_cast<unsigned long long>(base_ + offset));
    }
    if (offset >= length_ || size > length_ - offset) {
        violated("%s access [%#llx, +%u) outside the device window [%#llx, +%#llx)", mmio_ ? "MMIO" : "port",
                 static_cast<unsigned long long>(base_ + offset), size, static_cast<unsigned long long>(base_),
                 static_cast<unsigned long long>(length_));
    }
    machine_.record_device_access({base_ + offset, size, write, mmio_});
}

std::uint64_t CheckedDevice::read(std::uint64_t offset, unsigned size) {
    check(offset, size, false);
    if (model_ == nullptr) {
        return machine_.source.value() & vmm::all_ones(size);
    }
    const std::uint64_t value = model_->read(offset, size);
    if ((value & ~vmm::all_ones(size)) != 0) {
        violated("device model read %#llx, wider than %u bytes", static_cast<unsigned long long>(value), size);
    }
    return value;
}

void CheckedDevice::reset() {
    if (model_ != nullptr) {
        model_->reset();
    }
}

vmm::Outcome CheckedDevice::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
    check(offset, size, true);
    if (model_ != nullptr) {
        return model_->write(offset, size, value);
    }
    // A device may end the guest on a write (as the debug-exit port does).
    return machine_.source.one_in(64) ? vmm::Outcome::stop(vmm::StopReason::guest_request, value)
                                      : vmm::Outcome::resume();
}

// --- memory --------------------------------------------------------------

bool CheckedMemory::inject_failure() const { return machine_.source.one_in(64); }

void CheckedMemory::check(std::uint64_t gpa, std::size_t length, Status status, bool injected) const {
    const bool inside = length <= ram_size && gpa <= ram_size - length;
    if (status == Status::ok && !inside) {
        violated("guest memory access [%#llx, +%zu) outside RAM succeeded", static_cast<unsigned long long>(gpa),
                 length);
    }
    if (status != Status::ok && inside && !injected) {
        violated("guest memory access [%#llx, +%zu) inside RAM failed", static_cast<unsigned long long>(gpa), length);
    }
}

Status CheckedMemory::read(std::uint64_t gpa, void* out, std::size_t length) const {
    ++reads;
    if (inject_failure()) {
        return Status::out_of_range;
    }
    const Status status = ram_.read(gpa, out, length);
    check(gpa, length, status, false);
    return status;
}

Status CheckedMemory::write(std::uint64_t gpa, const void* in, std::size_t length) {
    ++writes;
    if (inject_failure()) {
        return Status::out_of_range;
    }
    const Status status = ram_.write(gpa, in, length);
    check(gpa, length, status, false);
    return status;
}

void CheckedMemory::place(std::uint64_t gpa, const void* in, std::size_t length) {
    if (length <= ram_size && gpa <= ram_size - length) {  // a placement outside RAM is simply not made
        std::memcpy(bytes_ + gpa, in, length);
    }
}

// --- host ----------------------------------------------------------------

namespace {

// A Skylake-like host with every feature bit set, so that what the guest
// sees is the policy's allow lists; see tests/vmm-server/fixture.cpp.
vmm::CpuidRegs table_cpuid(std::uint32_t leaf, std::uint32_t subleaf) {
    constexpr std::uint32_t all = 0xffffffff;
    switch (leaf) {
        case 0:
            return {0x16, 0x756e6547, 0x6c65746e, 0x49656e69};
        case 1:
            return {0x50654, 0x12345678, all, all};
        case 4:
            return subleaf < 2 ? vmm::CpuidRegs{0xfc004121 + subleaf, 0x01c0003f, 0x3f, 0} : vmm::CpuidRegs{};
        case 7:
            return subleaf == 0 ? vmm::CpuidRegs{2, all, all, all} : vmm::CpuidRegs{};
        case 0xd:
            return subleaf == 0 ? vmm::CpuidRegs{0x2ff, 0xa88, 0xa88, 0} : vmm::CpuidRegs{0xf, 0, 0, 0};
        case 0x80000000:
            return {0x80000008, 0, 0, 0};
        case 0x80000001:
            return {0, 0, all, all};
        case 0x80000008:
            return {0x3030, all, all, 0};
        default:
            return {};
    }
}

// The first input byte: how the environment behaves.
namespace environment {
constexpr std::uint8_t cpuid_from_input = 1u << 0;
constexpr std::uint8_t unclaimed_gp = 1u << 1;
constexpr std::uint8_t exceptions_stop = 1u << 2;
constexpr std::uint8_t platform_cpuid = 1u << 3;  // CPUID options (TSC rate, APIC) from the input
}  // namespace environment

std::uint8_t g_environment = 0;

vmm::Policy policy_of(std::uint8_t env) {
    vmm::Policy p;
    p.unclaimed =
        (env & environment::unclaimed_gp) != 0 ? vmm::Policy::Unclaimed::inject_gp : vmm::Policy::Unclaimed::stop;
    p.exceptions =
        (env & environment::exceptions_stop) != 0 ? vmm::Policy::Exceptions::stop : vmm::Policy::Exceptions::reflect;
    return p;
}

abi::VcpuState reset_state() {
    abi::VcpuState s{};
    s.rip = code_base;
    s.rflags = vmm::x86::rflags::fixed1;
    s.cr0 = vmm::x86::cr0::et;
    s.cs = abi::Segment{0, 0xffff, 0x9b, 0, {}};
    s.ds = s.es = s.fs = s.gs = s.ss = abi::Segment{0, 0xffff, 0x93, 0, {}};
    s.tr = abi::Segment{0, 0xffff, 0x8b, 0, {}};
    s.ldtr = abi::Segment{0, 0, vmm::x86::access::unusable, 0, {}};
    s.xcr0 = 1;
    return s;
}

std::uint8_t ram_bytes[ram_size];

}  // namespace

void DirectApic::deliver(const vmm::InterruptMessage& message) {
    if (delivering) {
        violated("the I/O APIC delivered from inside a delivery");
    }
    delivering = true;
    ++messages;
    const bool accepted =
        message.mode == vmm::DeliveryMode::fixed || message.mode == vmm::DeliveryMode::lowest_priority;
    if (accepted && message.vector >= 16 && guest != nullptr) {
        guest->raise_interrupt(message.vector);
    }
    delivering = false;
}

vmm::CpuidRegs FuzzHostCpuid::query(std::uint32_t leaf, std::uint32_t subleaf) const {
    if ((g_environment & environment::cpuid_from_input) != 0 && source_.one_in(2)) {
        return source_.read<vmm::CpuidRegs>();
    }
    return table_cpuid(leaf, subleaf);
}

std::uint64_t FuzzClock::tsc() const {
    last_ = source_.empty() ? last_ + 1000 : source_.u64();
    return last_;
}

// --- the machine ---------------------------------------------------------

namespace {
std::uint8_t read_environment(Source& source) {
    g_environment = source.u8();
    return g_environment;
}

vmm::CpuidOptions options_of(Source& source) {
    if ((g_environment & environment::platform_cpuid) == 0) {
        return {};
    }
    const std::uint8_t apic = source.u8();
    return {source.u32(), (apic & 1) != 0, (apic & 2) != 0};
}
}  // namespace

Machine::Machine(Source& src)
    : source{src},
      host_cpuid{(read_environment(src), src)},
      cpuid{host_cpuid, options_of(src)},
      clock{src},
      ioapic{apic, vmm::pc::ioapic_id},
      uart{console, vmm::IrqLine{&ioapic, vmm::pc::com1_irq}},
      mmio_uart{console},
      rtc{rtc_clock, SteppingClock::khz, 1700000000, vmm::IrqLine{&ioapic, vmm::pc::rtc_irq}},
      port_devices{{*this, &uart, vmm::Uart16550::com1, vmm::Uart16550::register_count, false},
                   {*this, &debug_exit, vmm::DebugExit::default_port, vmm::DebugExit::width, false},
                   {*this, nullptr, 0x60, 4, false},
                   {*this, &keyboard, vmm::KeyboardReset::port, vmm::KeyboardReset::width, false},
                   {*this, &rtc, vmm::Rtc::base_port, vmm::Rtc::port_count, false},
                   {*this, nullptr, 0xcf8, 1, false},
                   {*this, &reset_control, vmm::ResetControl::port, vmm::ResetControl::width, false},
                   {*this, nullptr, 0xcfa, 2, false},
                   {*this, nullptr, 0xcfc, 4, false}},
      mmio_devices{{*this, nullptr, 0x100000, 0x1000, true},
                   {*this, &mmio_uart, 0xfed00000, vmm::Uart16550::register_count, true},
                   {*this, nullptr, 0xfee00000, 0x1000, true},
                   {*this, &ioapic, vmm::IoApic::default_base, vmm::IoApic::window, true}},
      guest{cpuid, ports, mmio, console, clock, reset_state(), policy_of(g_environment)},
      lazy{src, page},
      vcpu{page},
      memory{*this, ram_bytes} {
    apic.guest = &guest;
    vcpu.set_source(&lazy);
    for (CheckedDevice& d : port_devices) {
        if (ports.claim(d.base(), d.length(), d) != Status::ok) {
            violated("the port layout overlaps");
        }
    }
    for (CheckedDevice& d : mmio_devices) {
        if (mmio.claim(d.base(), d.length(), d) != Status::ok) {
            violated("the MMIO layout overlaps");
        }
    }
    std::memset(ram_bytes, 0, sizeof ram_bytes);
}

void Machine::record_device_access(const DeviceAccess& access) {
    if (accesses_.count++ == 0) {
        accesses_.first = access;
    } else if (access.address != accesses_.first.address || access.size != accesses_.first.size) {
        accesses_.uniform = false;
    }
}

void Machine::forget_accesses() {
    accesses_ = DeviceAccesses{};
    memory.reads = 0;
    memory.writes = 0;
}

// --- device-model invariants ---------------------------------------------

namespace {

// Every MSR the VMM keeps holds a value its own WRMSR check accepts.
void check_msrs(Machine& m) {
    using vmm::x86::Msr;
    constexpr Msr kept[] = {Msr::sysenter_cs, Msr::sysenter_esp, Msr::sysenter_eip, Msr::pat,    Msr::mtrr_def_type,
                            Msr::star,        Msr::lstar,        Msr::cstar,        Msr::sfmask, Msr::kernel_gs_base};
    abi::VcpuPage scratch = m.page;
    vmm::Vcpu v{scratch};
    const vmm::MsrContext ctx = m.guest.msr_context();
    for (const Msr msr : kept) {
        const auto index = static_cast<std::uint32_t>(msr);
        const Result<std::uint64_t> value = vmm::read_msr(ctx, v, index);
        if (!value.ok() || vmm::write_msr(ctx, v, index, value.value()) != Status::ok) {
            violated("MSR %#x holds a value its WRMSR check refuses", index);
        }
    }
}

}  // namespace

void check_device_models(Machine& m) {
    check_uart(m.uart, "COM1");
    check_uart(m.mmio_uart, "MMIO UART");
    check_ioapic(m.ioapic);
    check_rtc(m.rtc);
    if (m.guest.tpr > 15) {
        violated("TPR %u", m.guest.tpr);
    }
    const int next = m.guest.next_interrupt();
    if (next >= 0 && next < 32) {
        violated("exception vector %d pending as an interrupt", next);
    }
    if ((m.guest.debug.dr6 >> 32) != 0 || (m.guest.debug.dr7 >> 32) != 0) {
        violated("DR6/DR7 bits 63:32 set");
    }
    check_msrs(m);
}

}  // namespace septum::fuzz
