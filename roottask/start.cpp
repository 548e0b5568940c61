#include "start.hpp"

#include "septum/caps/capability.hpp"
#include "septum/lib/calendar.hpp"
#include "septum/lib/cmdline.hpp"
#include "septum/user/console.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/layout.hpp"

namespace septum::roottask {

namespace {

// Ends the run: with septum.exit=emulator on the root task's command line,
// through the emulators' exit ports (QEMU isa-debug-exit at 0xf4, Bochs'
// shutdown port 0x8900); otherwise the root task stops here.
[[noreturn]] void power_off(const abi::BootInfo& bi, bool success) {
    if (boot::find_option(bi.cmdline, "septum.exit").equals("emulator")) {
        (void)user::invoke(root_io_ports, abi::Invocation::io_port_out, {0xf4, 1, success ? 0u : 1u});
        for (const char* p = "Shutdown"; *p != '\0'; ++p) {
            (void)user::invoke(root_io_ports, abi::Invocation::io_port_out, {0x8900, 1, static_cast<std::uint8_t>(*p)});
        }
    }
    for (;;) {
        (void)user::invoke(root_tcb, abi::Invocation::tcb_suspend, {});
    }
}

struct Setup {
    user::Allocator pool;
    CPtr alias = 0;
};

Status set_up(const abi::BootInfo& bi, Setup& s) {
    if (bi.untyped.count == 0 || bi.empty.count < 64) {
        return Status::not_enough_memory;
    }
    const PoolSource source = pool_source(bi);
    const CPtr pool = bi.empty.first;
    s.alias = bi.empty.first + 1;
    SEPTUM_TRY(user::invoke(bi.untyped.first + source.index, abi::Invocation::untyped_retype,
                            {user::raw_kind(caps::ObjectKind::untyped), source.bits, root_cnode, pool, 1})
                   .status);
    SEPTUM_TRY(user::invoke(root_cnode, abi::Invocation::cnode_mint,
                            {root_cnode, 64, s.alias, 64, rights_all, caps::encode_guard(0, alias_guard_bits)})
                   .status);
    s.pool.init(root_cnode, pool, bi.empty.first + 2, bi.empty.count - 2);
    return Status::ok;
}

// The time of day the kernel read at boot, which every cell's clock starts
// from: a date no earlier than this code's, so a clock never read (0) or
// one back at its epoch fails.
void check_wall_clock(const abi::BootInfo& bi, Report& report) {
    constexpr unsigned earliest_year = 2024;
    const std::uint64_t most = calendar::max_seconds - calendar::unix_epoch;
    const std::uint64_t unix = bi.unix_seconds_at_boot < most ? bi.unix_seconds_at_boot : most;
    const calendar::DateTime t = calendar::from_seconds(calendar::unix_epoch + unix);
    report.check(t.year >= earliest_year, "roottask.wall-clock",
                 "Unix time {} at TSC {}: the year {}, {} at the earliest", bi.unix_seconds_at_boot,
                 bi.unix_seconds_tsc, t.year, earliest_year);
}

}  // namespace

PoolSource pool_source(const abi::BootInfo& bi) {
    const std::uint64_t n =
        bi.untyped.count < abi::max_untyped_descriptions ? bi.untyped.count : abi::max_untyped_descriptions;
    std::uint8_t largest = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        largest = bi.untyped_list[i].size_bits > largest ? bi.untyped_list[i].size_bits : largest;
    }
    const std::uint8_t bits = largest - 1 < max_pool_bits ? static_cast<std::uint8_t>(largest - 1) : max_pool_bits;
    // The smallest block larger than the pool: the largest stay whole for
    // the cells' guest RAM (description/fit.hpp).
    std::uint64_t best = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint8_t size = bi.untyped_list[i].size_bits;
        if (size > bits && (bi.untyped_list[best].size_bits <= bits || size < bi.untyped_list[best].size_bits)) {
            best = i;
        }
    }
    return {best, bits};
}

[[noreturn]] void run_program(std::uint64_t bootinfo_address, void (*body)(Env&)) {
    const auto* bi = reinterpret_cast<const abi::BootInfo*>(bootinfo_address);
    user::Console console(root_io_ports);
    Report report(console);
    report.begin("system");
    Setup setup;
    const Status set_up_status = set_up(*bi, setup);
    report.check(set_up_status == Status::ok && bi->magic == abi::bootinfo_magic &&
                     user::ipc_buffer() == reinterpret_cast<abi::IpcBuffer*>(bi->ipc_buffer),
                 "roottask.started", "{} untyped, {} free slots, pool set up: {}", bi->untyped.count, bi->empty.count,
                 user::status_name(set_up_status));
    check_wall_clock(*bi, report);
    if (set_up_status == Status::ok) {
        Env env{bi, &report, &setup.pool, setup.alias, 0};
        body(env);
    }
    report.end();
    power_off(*bi, report.failed() == 0);
}

}  // namespace septum::roottask
