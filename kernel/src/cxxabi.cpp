// The C++ runtime support a freestanding kernel must provide itself.
#include "console.hpp"
#include "platform.hpp"

extern "C" {

// Reached only through a half-built or destroyed object: a kernel bug,
// never a consequence of user input.
[[noreturn]] void __cxa_pure_virtual() {
    septum::console::print("FAIL kernel.bug: pure virtual call\nSEPTUM-TEST END\n");
    septum::arch::platform::exit(septum::arch::platform::ExitStatus::failure);
}

}  // extern "C"
