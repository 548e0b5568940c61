// The VMM server: one per guest, unprivileged. It loads its guest's image
// into the guest's memory (boot.cpp), drives the guest's VCPU with the
// kernel's run call and handles every exit with the portable handlers of
// vmm-server/ (CPUID and MSR policies, port I/O, control registers, MMIO
// emulation, ...). A small test guest gets a 16550 UART and a debug-exit
// port; a Linux guest gets the PC of vmm-server/platform.hpp (local APIC,
// I/O APIC, 16550 with its interrupt, CMOS RTC, reset ports, MP table).
// What the guest writes to its UART goes to the cell's console ring, and
// the root task is told; a reset (triple fault, reset port) reloads the
// guest up to the number of resets the cell allows; when the guest stops,
// the VMM reports the outcome to the root task.
//
// Every return of the run call is counted by its reason (one increment);
// in bench mode the counts reach the console on request and at the end
// (bench.hpp).
//
// A halted guest costs no CPU: the VMM asks the kernel to wait (run_halted)
// until the guest's next timer event or a signal, whichever comes first.
//
// It holds only what CellInfo and its CSpace give it (abi/cell.hpp).
#include <cstdint>

#include "bench.hpp"
#include "boot.hpp"
#include "host.hpp"
#include "septum/abi/cell.hpp"
#include "septum/abi/invocation.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "septum/lib/calendar.hpp"
#include "septum/lib/format.hpp"
#include "septum/user/syscall.hpp"
#include "septum/vmm/apic_virtualization.hpp"
#include "septum/vmm/bus.hpp"
#include "septum/vmm/console_input.hpp"
#include "septum/vmm/debug_exit.hpp"
#include "septum/vmm/exit.hpp"
#include "septum/vmm/exit_counts.hpp"
#include "septum/vmm/guest.hpp"
#include "septum/vmm/guest_memory.hpp"
#include "septum/vmm/local_apic.hpp"
#include "septum/vmm/pc_devices.hpp"
#include "septum/vmm/record.hpp"
#include "septum/vmm/uart16550.hpp"
#include "septum/vmm/vcpu.hpp"

using namespace septum;
using namespace septum::vmm_program;

namespace {

user::Reply run(std::uint64_t supply, std::uint64_t want, std::uint64_t deadline) {
    const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_run), 3, 0},
                          {supply, want, deadline, 0}};
    return user::call(vcpu_cap, m);
}

// Bench mode's port (bench.hpp), which also writes the counts at the end;
// nullptr off bench mode.
const BenchPort* bench_port = nullptr;
// In bench mode a running guest's run lasts at most a slice, and a gap
// between two returns longer than the threshold is a pause off the CPU
// (PauseWatch): ten slices, a fifth of the pause of the bench's tenant
// when its budget runs out (1 s). A slice adds a deadline return to at
// most every 20 ms of the guest's work (about 1,500 instructions in
// 1,000,000).
constexpr std::uint64_t bench_slice_ms = 20, pause_threshold_ms = 200;

[[noreturn]] void report(abi::CellReport label, std::uint64_t code, std::uint64_t console_bytes) {
    if (bench_port != nullptr) {
        bench_port->stopped();
    }
    const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(label), 2, 0}, {code, console_bytes, 0, 0}};
    (void)user::call(report_endpoint, m);
    for (;;) {
        (void)user::recv(0);  // nothing more to do: an empty slot returns at once
        user::yield();
    }
}

// The CPU's APIC virtualization for a Linux guest's local APIC, as far as
// the CPU offers it (vmm::xapic_features): the features turned on (0: the
// emulated path). The kernel's offer comes back from every call.
std::uint32_t configure_apic_virtualization(RingConsole& console) {
    const auto configure = [](std::uint64_t features) {
        const user::Message m{abi::MessageInfo{static_cast<std::uint64_t>(abi::Invocation::vcpu_configure_apic), 3, 0},
                              {static_cast<std::uint64_t>(abi::CellSlot::virtual_apic),
                               static_cast<std::uint64_t>(abi::CellSlot::apic_access), features, 0}};
        return user::call(vcpu_cap, m);
    };
    const user::Reply offer = configure(0);
    const std::uint32_t features =
        offer.status == Status::ok ? vmm::xapic_features(static_cast<std::uint32_t>(offer.message.mr[0])) : 0;
    if (features == 0) {
        console.line("vmm: local APIC emulated (no APIC virtualization)\n");
        return 0;
    }
    // The root task mapped the APIC-access page: without its
    // virtualization the guest would find a plain page at its xAPIC.
    if (const user::Reply r = configure(features); r.status != Status::ok) {
        console.line("vmm: the kernel refused the APIC virtualization it offered\n");
        report(abi::CellReport::failed, static_cast<std::uint64_t>(r.status), console.used());
    }
    format_to(console, "vmm: local APIC virtualized by the CPU (features {:x})\n", features);
    return features;
}

// The devices of a guest, by its kind.
struct Platform {
    vmm::Bus ports, mmio;
    vmm::DebugExit debug_exit;
    vmm::Uart16550* uart = nullptr;  // the console's UART
    vmm::PcDevices* pc = nullptr;    // a Linux guest's PC
    vmm::LocalApic* apic = nullptr;  // and its local APIC
};

// The earliest TSC at which a device wants the VMM back (the local APIC's
// timer, the RTC's next update interrupt): 0 for none.
std::uint64_t next_device_event(const Platform& p) {
    if (p.pc == nullptr) {
        return 0;
    }
    const std::uint64_t rtc = p.pc->rtc.next_event();
    const std::uint64_t timer = p.apic->timer_deadline();
    static_assert(vmm::Rtc::no_event == vmm::LocalApic::no_deadline, "both say none with the largest TSC");
    const std::uint64_t next = rtc < timer ? rtc : timer;
    return next == vmm::Rtc::no_event ? 0 : next;
}

// The devices' time moves on to now, and console input the guest's UART
// has room for goes in: each may raise an interrupt, delivered at the
// next entry.
void update_devices(Platform& p, vmm::ConsoleInput& input, std::uint64_t now) {
    if (input.feed(*p.uart) != 0) {  // console input taken: the root task may go on
        (void)user::signal(console_notification);
    }
    if (p.pc != nullptr) {
        p.apic->advance(now);
        const std::uint64_t rtc = p.pc->rtc.next_event();
        if (rtc != vmm::Rtc::no_event && rtc <= now) {
            p.pc->rtc.update();
        }
    }
}

}  // namespace

extern "C" int septum_main(std::uint64_t cell_info) {
    const auto& info = *reinterpret_cast<const abi::CellInfo*>(cell_info);
    if (info.magic != abi::cell_info_magic) {
        report(abi::CellReport::failed, 0, 0);
    }
    static RingConsole console(*reinterpret_cast<abi::ConsoleRing*>(info.console));
    static vmm::RamGuestMemory memory(reinterpret_cast<std::uint8_t*>(info.guest_ram), info.guest_ram_size);
    static HostTsc clock;
    static HostCpu host;
    const bool linux_guest = abi::is_linux(info.image_kind);
    vmm::CpuidOptions options;
    if (linux_guest) {
        options.tsc_khz = static_cast<std::uint32_t>(info.tsc_khz);
        options.local_apic = true;
    }
    static const vmm::CpuidPolicy cpuid(host, options);
    static Platform platform;
    std::uint32_t apic_virt = 0;
    if (linux_guest) {
        // The registers live in the virtual-APIC page the root task mapped
        // (the CPU reads and writes it when the kernel turns APIC
        // virtualization on; the model alone otherwise).
        if (info.apic_page == 0) {
            console.line("vmm: no page for the local APIC's registers\n");
            report(abi::CellReport::failed, static_cast<std::uint64_t>(Status::invalid_argument), console.used());
        }
        apic_virt = configure_apic_virtualization(console);
        static vmm::LocalApic apic(clock, cpuid, *reinterpret_cast<vmm::ApicPage*>(info.apic_page));
        static vmm::PcDevices pc(
            console, clock, apic,
            vmm::WallClock{options.tsc_khz, calendar::unix_seconds_at(info.wall_clock_unix, info.wall_clock_tsc,
                                                                      clock.tsc(), info.tsc_khz)});
        apic.connect(pc.ioapic);
        platform.pc = &pc;
        platform.uart = &pc.com1;
        platform.apic = &apic;
        (void)pc.attach(platform.ports, platform.mmio);
        (void)apic.attach(platform.mmio);
    } else {
        static vmm::Uart16550 uart(console);
        platform.uart = &uart;
        (void)platform.ports.claim(vmm::Uart16550::com1, vmm::Uart16550::register_count, uart);
    }
    (void)platform.ports.claim(vmm::DebugExit::default_port, vmm::DebugExit::width, platform.debug_exit);
    static vmm::ExitCounts counts;
    PauseWatch* pauses = nullptr;
    if ((info.flags & abi::cell_flags::bench) != 0) {
        static BenchPort port(counts, console);
        (void)platform.ports.claim(BenchPort::port, BenchPort::width, port);
        bench_port = &port;
        console.stamp_lines();
        static PauseWatch watch(console, info.tsc_khz * bench_slice_ms, info.tsc_khz * pause_threshold_ms);
        pauses = &watch;
    }
    const Result<abi::VcpuState> entry = load_guest(info, memory, Ram::as_handed_over, console, platform.pc, cpuid);
    if (!entry.ok()) {
        report(abi::CellReport::failed, static_cast<std::uint64_t>(entry.status()), console.used());
    }
    vmm::Policy policy;
    if (linux_guest) {
        policy.unclaimed = vmm::Policy::Unclaimed::inject_gp;  // a probe of an absent device, not a broken guest
    }
    static vmm::Guest guest(cpuid, platform.ports, platform.mmio, console, clock, entry.value(), policy);
    guest.apic = platform.apic;
    guest.apic_virt = apic_virt;
    // The kernel refuses the APIC part of the state without a virtual-APIC page.
    const std::uint64_t apic_part = (apic_virt & abi::apic_virt::tpr_shadow) != 0 ? abi::vcpu_state::apic : 0;
    const std::uint64_t suppliable = abi::vcpu_state::stored | abi::vcpu_state::injection | apic_part;
    auto& page = *reinterpret_cast<abi::VcpuPage*>(info.state_page);
    static vmm::Vcpu vcpu(page);
    static KernelState kernel_state;
    vcpu.set_source(&kernel_state);
    static vmm::ExitRecorder recorder(console, (info.flags & abi::cell_flags::record_exits) != 0);
    page.state = guest.initial;
    page.state.msrs = vmm::hardware_msrs(guest.msrs);
    // Each exit brings back what its handler needs, no more (the kernel
    // adds the table's entry for the exit's reason to the run's mask 0).
    vmm::set_state_needed(page);
    std::uint64_t supply = abi::vcpu_state::stored | apic_part;
    bool halted = false;
    static vmm::ConsoleInput input(*reinterpret_cast<abi::InputRing*>(info.input));
    if (pauses != nullptr) {
        pauses->entering(rdtsc());
    }
    for (std::uint64_t resets = 0;;) {
        const std::uint64_t devices = next_device_event(platform);
        const std::uint64_t deadline = pauses != nullptr ? pauses->deadline(devices, halted) : devices;
        const bool waited = halted;
        const user::Reply r = run(supply | (halted ? abi::run_halted : 0), 0, deadline);
        if (pauses != nullptr) {
            pauses->returned(rdtsc(), waited);
        }
        if (r.status != Status::ok) {
            report(abi::CellReport::failed, static_cast<std::uint64_t>(r.status), console.used());
        }
        // A signal or deadline brings no state back, and the guest may have
        // run on since its last exit: handlers read what they need afresh.
        const std::uint32_t reason = page.exit.reason;
        counts.count(reason);
        if (reason != abi::exit_reason_signal && reason != abi::exit_reason_deadline) {
            const std::uint64_t arrived = vmm::state_needed(abi::ExitReason{reason}.basic());
            vcpu.arrived(arrived);
            if ((arrived & abi::vcpu_state::msrs) != 0) {
                vmm::take_hardware_msrs(guest.msrs, page.state.msrs);
            }
        } else {
            vcpu.arrived(0);  // the guest may have run on: nothing in the page is current
        }
        update_devices(platform, input, clock.tsc());
        const vmm::Outcome outcome = recorder.handle_exit(guest, vcpu, memory);
        supply = (vcpu.dirty() & suppliable) | (vcpu.interrupt_window_wanted() ? abi::run_interrupt_window : 0);
        if (guest.msrs.changed) {  // a WRMSR or a reset: the CPU's copy follows
            page.state.msrs = vmm::hardware_msrs(guest.msrs);
            guest.msrs.changed = false;
            supply |= abi::vcpu_state::msrs;
        }
        // A halted guest stays halted through the VMM's own events until an
        // interrupt goes in (the HLT itself was skipped when it exited).
        const bool own_event = reason == abi::exit_reason_signal || reason == abi::exit_reason_deadline;
        // (Under virtual-interrupt delivery the CPU takes it: one handed
        // over in RVI wakes the guest.)
        const bool woken = (vcpu.dirty() & abi::vcpu_state::injection) != 0 ||
                           ((apic_virt & abi::apic_virt::interrupt_delivery) != 0 && vcpu.state().apic.rvi != 0);
        halted = halted && own_event && !woken;
        switch (outcome.action) {
            case vmm::Action::resume:
                break;
            case vmm::Action::wait_for_interrupt:
                if (!linux_guest) {
                    // A small test guest has no interrupt sources: halted, it
                    // has nothing more to wait for.
                    report(abi::CellReport::failed, static_cast<std::uint64_t>(outcome.action), console.used());
                }
                if ((page.state.rflags & vmm::x86::rflags::if_) == 0) {
                    // Halted with interrupts off, and this platform sends no
                    // NMI: nothing wakes it again. It is how Linux's
                    // poweroff and halt end without ACPI.
                    console.line("vmm: the guest halted with interrupts off: it is powered off\n");
                    report(abi::CellReport::stopped, 0, console.used());
                }
                halted = true;
                break;
            case vmm::Action::reset:
                // The handler put the CPU back to power-on; memory follows.
                if (resets++ == info.max_resets ||
                    !load_guest(info, memory, Ram::clear, console, platform.pc, cpuid).ok()) {
                    report(abi::CellReport::failed, static_cast<std::uint64_t>(outcome.action), console.used());
                }
                page.state.msrs = vmm::hardware_msrs(guest.msrs);  // back at power-on values too
                supply = abi::vcpu_state::stored | apic_part;
                break;
            case vmm::Action::stop:
                report(outcome.reason == vmm::StopReason::guest_request ? abi::CellReport::stopped
                                                                        : abi::CellReport::failed,
                       outcome.code, console.used());
        }
    }
}
