// The kernel's C++ entry, reached from boot.S on the boot stack in the
// higher half. For now it brings up the CPU, reads the boot information and
// runs the boot checks; the root task will be started here.
#include <cstdint>

#include "boot/free_memory.hpp"
#include "boot/root_task.hpp"
#include "boot_checks.hpp"
#include "clock.hpp"
#include "console.hpp"
#include "cpu.hpp"
#include "fpu.hpp"
#include "gdt.hpp"
#include "interrupts.hpp"
#include "kernel.hpp"
#include "lapic.hpp"
#include "layout.hpp"
#include "multiboot2.hpp"
#include "paging.hpp"
#include "pic.hpp"
#include "platform.hpp"
#include "septum/lib/cmdline.hpp"
#include "test_report.hpp"
#include "user_context.hpp"
#include "wall_clock.hpp"

extern "C" std::uint64_t boot_tsc;
extern "C" std::uint32_t boot_magic;
extern "C" std::uint32_t boot_info_phys;

extern "C" char __kernel_end[];

using InitFunction = void (*)();
extern "C" InitFunction __init_array_start[];
extern "C" InitFunction __init_array_end[];

namespace septum {

namespace {

boot::BootInfo boot_info;

void run_global_constructors() {
    for (InitFunction* f = __init_array_start; f != __init_array_end; ++f) {
        (*f)();
    }
}

boot::ParseError read_boot_info() {
    const std::uint64_t phys = boot_info_phys;
    const auto* data = arch::phys_to_virt<const std::uint8_t>(phys);
    const std::size_t mapped = data == nullptr ? 0 : arch::physmap_size - phys;
    return boot::parse_multiboot2(boot_magic, data, mapped, boot_info);
}

void print_memory_map() {
    console::print("memory map ({} regions):\n", boot_info.region_count);
    for (std::size_t i = 0; i < boot_info.region_count; ++i) {
        const boot::MemoryRegion& m = boot_info.regions[i];
        console::print("  [{:x} - {:x}) {} KiB {}\n", m.base, m.base + m.length, m.length >> 10,
                       boot::memory_type_name(m.type));
    }
    if (boot_info.regions_dropped != 0) {
        console::print("  ({} more regions not recorded)\n", boot_info.regions_dropped);
    }
    console::print("usable memory: {} MiB\n", boot_info.usable_bytes >> 20);
}

void check_boot_info(TestReport& r, boot::ParseError e) {
    r.check(e == boot::ParseError::none, "boot.multiboot2", "{} (loader: {})", boot::to_string(e),
            boot_info.loader_name);
    const bool has_usable = boot_info.usable_bytes >= (std::uint64_t{1} << 20);
    r.check(e == boot::ParseError::none && has_usable, "boot.memory-map", "{} regions, {} MiB usable",
            boot_info.region_count, boot_info.usable_bytes >> 20);
}

// What the kernel image, the boot information and the modules occupy.
bool reserve_in_use(boot::FreeMemory& mem) {
    if (!mem.reserve(KERNEL_LOAD_PHYS, arch::image_to_phys(__kernel_end))) {
        return false;
    }
    if (!mem.reserve(boot_info_phys, std::uint64_t{boot_info_phys} + boot_info.total_size)) {
        return false;
    }
    for (std::size_t i = 0; i < boot_info.module_count; ++i) {
        if (!mem.reserve(boot_info.modules[i].start, boot_info.modules[i].end)) {
            return false;
        }
    }
    return true;
}

// Free memory: usable RAM from 1 MiB to the end of the direct map, less
// what is in use.
bool find_free_memory(boot::FreeMemory& mem) {
    constexpr std::uint64_t low_memory_end = 0x100000;  // BIOS data, option ROMs
    for (std::size_t i = 0; i < boot_info.region_count; ++i) {
        const boot::MemoryRegion& r = boot_info.regions[i];
        if (r.type != static_cast<std::uint32_t>(boot::MemoryType::usable) || r.base >= arch::physmap_size) {
            continue;
        }
        const std::uint64_t start = r.base < low_memory_end ? low_memory_end : r.base;
        const std::uint64_t room = arch::physmap_size - r.base;
        const std::uint64_t end = r.base + (r.length < room ? r.length : room);
        if (start < end && !mem.add(start, end)) {
            return false;
        }
    }
    return reserve_in_use(mem);
}

// Builds the root task and reports it; true when it is ready to run.
// The scheduler's clock: the TSC's rate, measured against the PIT, and
// the timer mode (docs/kernel.md, "Scheduling").
void start_clock(TestReport& r) {
    if (!arch::lapic::init()) {
        r.fail("clock", "no usable local APIC: the kernel has no timer");
        return;
    }
    const bool measured = arch::clock::calibrate();
    r.check(measured, "clock.calibrate", "TSC at {} kHz{}; timer in {} mode", arch::clock::tsc_khz(),
            measured ? " (measured against the PIT)" : ", a guess: the PIT did not finish counting",
            arch::clock::deadline_mode() ? "TSC-deadline" : "one-shot");
    kernel::kernel.scheduler.set_clock_rate(arch::clock::tsc_khz());
}

// The machine's time of day, for the root task (arch/x86_64/wall_clock.hpp).
kernel::boot::WallClock read_wall_clock(TestReport& r) {
    arch::wall_clock::Reading now{};
    if (!arch::wall_clock::read(now)) {
        r.fail("clock.wall", "the CMOS clock shows no valid time: the root task is told none");
        return {};
    }
    const calendar::DateTime& t = now.date;
    r.pass("clock.wall", "{}-{}{}-{}{} {}{}:{}{}:{}{} from the CMOS clock, Unix time {}", t.year, t.month / 10,
           t.month % 10, t.day / 10, t.day % 10, t.hour / 10, t.hour % 10, t.minute / 10, t.minute % 10, t.second / 10,
           t.second % 10, now.unix_seconds);
    return {now.unix_seconds, now.tsc};
}

bool prepare_root_task(TestReport& r, const kernel::boot::WallClock& time) {
    if (boot_info.module_count == 0) {
        r.skip("kernel.root-task", "no boot module: the kernel only checks the machine");
        return false;
    }
    boot::FreeMemory mem;
    if (!find_free_memory(mem) || !kernel::boot::init_address_spaces(kernel::kernel, mem)) {
        r.fail("kernel.root-task", "could not account for free memory");
        return false;
    }
    arch::syscall_init();
    arch::fpu::init();
    if (const char* e = kernel::boot::build_root_task(kernel::kernel, boot_info, mem, time)) {
        r.fail("kernel.root-task", "{}", e);
        return false;
    }
    r.pass("kernel.root-task", "loaded from module \"{}\", {} KiB of memory left as Untyped",
           boot_info.modules[0].cmdline, mem.total() >> 10);
    return true;
}

// "septum.selftest=" asks the kernel to misbehave after its checks, so the
// boot tests can show that the runner catches each kind of failure.
void provoke_on_request(boot::OptionValue what) {
    if (what.equals("fault")) {
        console::print("provoking a kernel page fault at {:x}, as the command line asks\n",
                       arch::provoked_fault_address);
        arch::provoke_page_fault();
    }
    if (what.equals("triple-fault")) {
        console::print("provoking a triple fault, as the command line asks\n");
        arch::provoke_triple_fault();
    }
    if (what.equals("hang")) {
        console::print("hanging before the end marker, as the command line asks\n");
        arch::halt_forever();
    }
}

}  // namespace

}  // namespace septum

extern "C" [[noreturn]] void kernel_main() {
    using namespace septum;
    run_global_constructors();
    console::init();
    const std::uint64_t banner_tsc = arch::rdtsc();
    console::print("\nSeptum {} - separation hypervisor microkernel (x86_64)\n", SEPTUM_VERSION);

    arch::gdt_init();
    arch::idt_init();
    arch::pic::disable();
    const boot::ParseError boot_error = read_boot_info();
    arch::platform::allow_emulator_exit(boot::find_option(boot_info.cmdline, "septum.exit").equals("emulator"));
    arch::paging::drop_identity_map();
    console::print("command line: {}\n", boot_info.cmdline);
    print_memory_map();

    TestReport report;
    report.begin("boot");
    report.info("boot.tsc-to-banner", "{} TSC ticks from the first kernel instruction to the banner",
                banner_tsc - boot_tsc);
    check_boot_info(report, boot_error);
    arch::run_self_tests(report);
    provoke_on_request(boot::find_option(boot_info.cmdline, "septum.selftest"));
    arch::start_virtualization(report);
    start_clock(report);
    const bool root_task = prepare_root_task(report, read_wall_clock(report));
    report.end();
    if (!root_task) {
        report.finish();
        arch::platform::exit(report.failed() == 0 ? arch::platform::ExitStatus::success
                                                  : arch::platform::ExitStatus::failure);
    }
    // From here the root task reports, ends the run and powers off.
    arch::clock::start();
    kernel::start_user_space();
}
