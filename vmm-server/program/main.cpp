// The VMM server: one per guest, unprivileged. It loads its guest's image
// (a flat binary or a Multiboot ELF) into the guest's memory, drives the
// guest's VCPU with the kernel's run call and handles every exit with the
// portable handlers of vmm-server/ (CPUID and MSR policies, port I/O to a
// 16550 UART and a debug-exit port, control registers, MMIO emulation,
// ...). What the guest writes to its UART goes to the cell's console ring,
// and the root task is told; a triple fault resets the guest (memory and
// CPU) up to the number of resets the cell allows; when the guest stops,
// the VMM reports the outcome to the root task.
//
// It holds only what CellInfo and its CSpace give it (abi/cell.hpp).
#include <cstdint>
#include <cstring>

#include "septum/abi/cell.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "septum/user/syscall.hpp"
#include "septum/vmm/bus.hpp"
#include "septum/vmm/console.hpp"
#include "septum/vmm/console_input.hpp"
#include "septum/vmm/cpuid.hpp"
#include "septum/vmm/debug_exit.hpp"
#include "septum/vmm/exit.hpp"
#include "septum/vmm/guest.hpp"
#include "septum/vmm/guest_memory.hpp"
#include "septum/vmm/loader.hpp"
#include "septum/vmm/record.hpp"
#include "septum/vmm/uart16550.hpp"
#include "septum/vmm/vcpu.hpp"

using namespace septum;

namespace {

constexpr auto report_endpoint = static_cast<user::CPtr>(abi::CellSlot::report);
constexpr auto vcpu_cap = static_cast<user::CPtr>(abi::CellSlot::vcpu);

constexpr auto console_notification = static_cast<user::CPtr>(abi::CellSlot::console);
// Where a Multiboot guest's information structure goes.
constexpr std::uint64_t multiboot_info_address = 0x500;

// The console path: bytes into the ring shared with the root task, which
// is told of each write (the UART sends a byte per exit anyway).
class RingConsole final : public vmm::Console {
public:
    explicit RingConsole(abi::ConsoleRing& ring) : ring_(ring) {}
    void put(const char* bytes, std::size_t length) override {
        for (std::size_t i = 0; i < length; ++i) {
            ring_.bytes[ring_.written % abi::ConsoleRing::size] = bytes[i];
            // The count moves after the byte is in place: the reader never
            // sees a byte it counts before it is written.
            asm volatile("" ::: "memory");
            ++ring_.written;
        }
        (void)user::signal(console_notification);
    }
    [[nodiscard]] std::uint64_t used() const { return ring_.written; }

private:
    abi::ConsoleRing& ring_;
};

// More of an exit's state, from the kernel (vcpu_read_state).
class KernelState final : public vmm::StateSource {
public:
    bool read(std::uint64_t mask) override {
        const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_read_state), 1, 0},
                              {mask, 0, 0, 0}};
        return user::call(vcpu_cap, m).status == Status::ok;
    }
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

// Whether guest RAM must be cleared before the image is loaded: the root
// task hands it over zeroed (abi::CellInfo), so only a reset clears it (a
// quadword a step: 256 MiB is 32 million in Bochs).
enum class Ram : std::uint8_t { as_handed_over, clear };

// Guest memory as at power-on: zero, with the image loaded. Returns the
// state that enters the image.
Result<abi::VcpuState> load_guest(const abi::CellInfo& info, vmm::RamGuestMemory& memory, Ram ram) {
    if (ram == Ram::clear) {
        std::memset(reinterpret_cast<void*>(info.guest_ram), 0, info.guest_ram_size);
    }
    const vmm::Image image{reinterpret_cast<const std::uint8_t*>(info.image), info.image_size};
    if (info.image_kind == abi::ImageKind::multiboot) {
        return vmm::load_multiboot(memory, image, {info.guest_ram_size, multiboot_info_address, info.name});
    }
    if (info.image_kind == abi::ImageKind::flat) {
        return vmm::load_flat(memory, image, info.guest_entry);
    }
    return Status::invalid_argument;
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
    RingConsole console(*reinterpret_cast<abi::ConsoleRing*>(info.console));
    vmm::RamGuestMemory memory(reinterpret_cast<std::uint8_t*>(info.guest_ram), info.guest_ram_size);
    const Result<abi::VcpuState> entry = load_guest(info, memory, Ram::as_handed_over);
    if (!entry.ok()) {
        report(abi::CellReport::failed, static_cast<std::uint64_t>(entry.status()), 0);
    }
    HostTsc clock;
    HostCpu host;
    const vmm::CpuidPolicy cpuid(host);
    vmm::Bus ports, mmio;
    vmm::Uart16550 uart(console);
    vmm::DebugExit debug_exit;
    (void)ports.claim(vmm::Uart16550::com1, vmm::Uart16550::register_count, uart);
    (void)ports.claim(vmm::DebugExit::default_port, vmm::DebugExit::width, debug_exit);
    vmm::Guest guest(cpuid, ports, mmio, console, clock, entry.value());
    auto& page = *reinterpret_cast<abi::VcpuPage*>(info.state_page);
    vmm::Vcpu vcpu(page);
    KernelState kernel_state;
    vcpu.set_source(&kernel_state);
    vmm::ExitRecorder recorder(console, (info.flags & abi::cell_flags::record_exits) != 0);
    page.state = guest.initial;
    page.state.msrs = vmm::hardware_msrs(guest.msrs);
    // Each exit brings back what its handler needs, no more (the kernel
    // adds the table's entry for the exit's reason to the run's mask 0).
    vmm::set_state_needed(page);
    std::uint64_t supply = abi::vcpu_state::stored;
    vmm::ConsoleInput input(*reinterpret_cast<abi::InputRing*>(info.input));
    for (std::uint64_t resets = 0;;) {
        if (input.feed(uart) != 0) {  // console input: the root task may go on
            (void)user::signal(console_notification);
        }
        const user::Reply r = run(supply, 0);
        if (r.status != Status::ok) {
            report(abi::CellReport::failed, static_cast<std::uint64_t>(r.status), console.used());
        }
        // A signal ends the run before the guest does anything: what was
        // current stays current.
        if (page.exit.reason != abi::exit_reason_signal) {
            const std::uint64_t arrived = vmm::state_needed(abi::ExitReason{page.exit.reason}.basic());
            vcpu.arrived(arrived);
            if ((arrived & abi::vcpu_state::msrs) != 0) {
                vmm::take_hardware_msrs(guest.msrs, page.state.msrs);
            }
        }
        const vmm::Outcome outcome = recorder.handle_exit(guest, vcpu, memory);
        supply = vcpu.dirty() | (vcpu.interrupt_window_wanted() ? abi::run_interrupt_window : 0);
        if (guest.msrs.changed) {  // a WRMSR or a reset: the CPU's copy follows
            page.state.msrs = vmm::hardware_msrs(guest.msrs);
            guest.msrs.changed = false;
            supply |= abi::vcpu_state::msrs;
        }
        switch (outcome.action) {
            case vmm::Action::resume:
                break;
            case vmm::Action::reset:
                // The handler put the CPU back to power-on; memory follows.
                if (resets++ == info.max_resets || !load_guest(info, memory, Ram::clear).ok()) {
                    report(abi::CellReport::failed, static_cast<std::uint64_t>(outcome.action), console.used());
                }
                page.state.msrs = vmm::hardware_msrs(guest.msrs);  // back at power-on values too
                supply = abi::vcpu_state::stored;
                break;
            case vmm::Action::stop:
                report(outcome.reason == vmm::StopReason::guest_request ? abi::CellReport::stopped
                                                                        : abi::CellReport::failed,
                       outcome.code, console.used());
            default:
                // No virtual interrupt sources yet: a halted guest has
                // nothing more to wait for.
                report(abi::CellReport::failed, static_cast<std::uint64_t>(outcome.action), console.used());
        }
    }
}
