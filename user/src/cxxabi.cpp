// The C++ runtime support freestanding user programs need: interfaces with
// pure virtual functions (the VMM server's devices, consoles, clocks).
extern "C" {

// Reached only through a half-built or destroyed object: a program bug.
// Faulting lets whoever handles this thread's faults see it.
[[noreturn]] void __cxa_pure_virtual() {
    for (;;) {
        asm volatile("ud2");
    }
}

}  // extern "C"
