// Ending a run. On an emulator started by the test runner the kernel can
// power the machine off with a status; on real hardware it halts.
#pragma once

namespace septum::arch::platform {

enum class ExitStatus { success, failure };

// Called once the command line is known: "septum.exit=emulator" allows the
// emulator exit ports to be used.
void allow_emulator_exit(bool allow);

[[noreturn]] void exit(ExitStatus status);

}  // namespace septum::arch::platform
