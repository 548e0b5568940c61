// The VMM server: one per guest, unprivileged. It drives its guest's VCPU
// with the kernel's run call and handles every exit with the portable
// handlers of vmm-server/ (CPUID and MSR policies, port I/O to a 16550 UART
// and a debug-exit port, control registers, MMIO emulation, ...). What the
// guest writes to its UART goes into the cell's console buffer; when the
// guest stops, the VMM reports the outcome to the root task.
//
// It holds only what CellInfo and its CSpace give it (abi/cell.hpp).
#include <cstdint>

#include "septum/abi/cell.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/user/syscall.hpp"
#include "septum/vmm/bus.hpp"
#include "septum/vmm/console.hpp"
#include "septum/vmm/cpuid.hpp"
#include "septum/vmm/debug_exit.hpp"
#include "septum/vmm/exit.hpp"
#include "septum/vmm/guest.hpp"
#include "septum/vmm/guest_memory.hpp"
#include "septum/vmm/uart16550.hpp"
#include "septum/vmm/vcpu.hpp"

using namespace septum;

namespace {

constexpr auto report_endpoint = static_cast<user::CPtr>(abi::CellSlot::report);
constexpr auto vcpu_cap = static_cast<user::CPtr>(abi::CellSlot::vcpu);
// A guest that never stops is stopped after this many exits (it can be
// restarted by whoever holds its VMM).
constexpr std::uint64_t max_exits = 100000;

class BufferConsole final : public vmm::Console {
public:
    BufferConsole(char* buffer, std::uint64_t size) : buffer_(buffer), size_(size) {}
    void put(const char* bytes, std::size_t length) override {
        for (std::size_t i = 0; i < length && used_ < size_; ++i) {
            buffer_[used_++] = bytes[i];
        }
    }
    [[nodiscard]] std::uint64_t used() const { return used_; }

private:
    char* buffer_;
    std::uint64_t size_;
    std::uint64_t used_ = 0;
};

class HostTsc final : public vmm::Clock {
public:
    [[nodiscard]] std::uint64_t tsc() const override {
        std::uint32_t lo = 0, hi = 0;
        asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
        // cppcheck-suppress badBitmaskCheck ; cppcheck does not see the asm outputs
        return (std::uint64_t{hi} << 32) | lo;
    }
};

class HostCpu final : public vmm::HostCpuid {
public:
    [[nodiscard]] vmm::CpuidRegs query(std::uint32_t leaf, std::uint32_t subleaf) const override {
        vmm::CpuidRegs r{};
        asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
        return r;
    }
};

abi::Segment real_mode_segment(std::uint32_t access) { return abi::Segment{0, 0xffff, access, 0, {}}; }

abi::VcpuState real_mode_at(std::uint64_t entry) {
    abi::VcpuState s{};
    s.rip = entry;
    s.rsp = 0x8000;
    s.rflags = 0x2;
    s.cr0 = 0x10;
    s.cs = real_mode_segment(0x9b);
    s.ds = s.es = s.fs = s.gs = s.ss = real_mode_segment(0x93);
    s.tr = real_mode_segment(0x8b);
    s.ldtr = real_mode_segment(0x10000);
    s.gdtr = abi::DescriptorTable{0, 0xffff, 0};
    s.idtr = abi::DescriptorTable{0, 0xffff, 0};
    return s;
}

user::Reply run(std::uint64_t supply, std::uint64_t want) {
    const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_run), 2, 0},
                          {supply, want, 0, 0}};
    return user::call(vcpu_cap, m);
}

[[noreturn]] void report(abi::CellReport label, std::uint64_t code, std::uint64_t console_bytes) {
    const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(label), 2, 0}, {code, console_bytes, 0, 0}};
    (void)user::call(report_endpoint, m);
    for (;;) {
        (void)user::recv(0);  // nothing more to do: an empty slot returns at once
        user::yield();
    }
}

}  // namespace

extern "C" int septum_main(std::uint64_t cell_info) {
    const auto& info = *reinterpret_cast<const abi::CellInfo*>(cell_info);
    if (info.magic != abi::cell_info_magic) {
        report(abi::CellReport::failed, 0, 0);
    }
    BufferConsole console(reinterpret_cast<char*>(info.console), info.console_size);
    HostTsc clock;
    HostCpu host;
    const vmm::CpuidPolicy cpuid(host);
    vmm::Bus ports, mmio;
    vmm::Uart16550 uart(console);
    vmm::DebugExit debug_exit;
    (void)ports.claim(vmm::Uart16550::com1, vmm::Uart16550::register_count, uart);
    (void)ports.claim(vmm::DebugExit::default_port, vmm::DebugExit::width, debug_exit);
    vmm::Guest guest(cpuid, ports, mmio, console, clock, real_mode_at(info.guest_entry));
    vmm::RamGuestMemory memory(reinterpret_cast<std::uint8_t*>(info.guest_ram), info.guest_ram_size);
    auto& page = *reinterpret_cast<abi::VcpuPage*>(info.state_page);
    vmm::Vcpu vcpu(page);
    page.state = guest.initial;
    std::uint64_t supply = abi::vcpu_state::all & ~abi::vcpu_state::injection;
    for (std::uint64_t exits = 0; exits < max_exits; ++exits) {
        const user::Reply r = run(supply, abi::vcpu_state::all & ~abi::vcpu_state::injection);
        if (r.status != Status::ok) {
            report(abi::CellReport::failed, static_cast<std::uint64_t>(r.status), console.used());
        }
        vcpu.begin_exit();
        const vmm::Outcome outcome = vmm::handle_exit(guest, vcpu, memory);
        supply = vcpu.dirty();
        switch (outcome.action) {
            case vmm::Action::resume:
                break;
            case vmm::Action::stop:
                report(outcome.reason == vmm::StopReason::guest_request ? abi::CellReport::stopped
                                                                        : abi::CellReport::failed,
                       outcome.code, console.used());
            default:
                // No virtual interrupts yet: a halted guest, or one to reset,
                // has nothing more to do in this cell.
                report(abi::CellReport::failed, static_cast<std::uint64_t>(outcome.action), console.used());
        }
    }
    report(abi::CellReport::failed, max_exits, console.used());
}
