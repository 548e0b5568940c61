#include "platform.hpp"

#include <cstdint>

#include "console.hpp"
#include "cpu.hpp"

namespace septum::arch::platform {

namespace {

// QEMU's isa-debug-exit device (the runner adds it at iobase 0xf4):
// writing v ends QEMU with exit status (v << 1) | 1.
constexpr std::uint16_t qemu_debug_exit = 0xf4;
// Bochs ends the simulation when "Shutdown" is written to this port.
constexpr std::uint16_t bochs_shutdown = 0x8900;

bool emulator_exit_allowed = false;

}  // namespace

void allow_emulator_exit(bool allow) { emulator_exit_allowed = allow; }

void exit(ExitStatus status) {
    disable_interrupts();
    if (emulator_exit_allowed) {
        outb(qemu_debug_exit, status == ExitStatus::success ? 0 : 1);
        for (const char* p = "Shutdown"; *p != '\0'; ++p) {
            outb(bochs_shutdown, static_cast<std::uint8_t>(*p));
        }
    }
    console::print("septum: halted\n");
    halt_forever();
}

}  // namespace septum::arch::platform
