// The root task: the first user program. For now it runs the in-system
// tests of the kernel and reports them in the boot test protocol.
#include "cmdline.hpp"
#include "septum/abi/bootinfo.hpp"
#include "septum/user/console.hpp"
#include "septum/user/invoke.hpp"

using namespace septum;

namespace {

// Ends the run: with septum.exit=emulator on the root task's command line,
// through the emulators' exit ports (QEMU isa-debug-exit at 0xf4, Bochs'
// shutdown port 0x8900); otherwise the root task stops here.
[[noreturn]] void power_off(const abi::BootInfo& bi, bool success) {
    const auto ports = static_cast<user::CPtr>(abi::InitialSlot::io_ports);
    if (boot::find_option(bi.cmdline, "septum.exit").equals("emulator")) {
        (void)user::invoke(ports, abi::Invocation::io_port_out, {0xf4, 1, success ? 0u : 1u});
        for (const char* p = "Shutdown"; *p != '\0'; ++p) {
            (void)user::invoke(ports, abi::Invocation::io_port_out, {0x8900, 1, static_cast<std::uint8_t>(*p)});
        }
    }
    for (;;) {
        (void)user::recv(0);  // slot 0 is empty: returns at once; nothing else to do
        user::yield();
    }
}

}  // namespace

extern "C" int septum_main(std::uint64_t bootinfo_address) {
    const auto* bi = reinterpret_cast<const abi::BootInfo*>(bootinfo_address);
    user::set_ipc_buffer(reinterpret_cast<abi::IpcBuffer*>(bi->ipc_buffer));
    user::Console console(static_cast<user::CPtr>(abi::InitialSlot::io_ports));
    console.print("SEPTUM-TEST BEGIN system\n");
    console.print("PASS roottask.started: {} untyped, {} free slots\n", bi->untyped.count, bi->empty.count);
    console.print("SEPTUM-TEST SUMMARY passed=1 failed=0 skipped=0\nSEPTUM-TEST END\n");
    power_off(*bi, true);
}
