// septum_start: runs the global constructors, then the program's main.
#include <cstdint>

extern "C" {
using InitFunction = void (*)();
extern InitFunction __init_array_start[];
extern InitFunction __init_array_end[];

int septum_main(std::uint64_t start_argument);

[[noreturn]] void septum_start(std::uint64_t start_argument) {
    for (InitFunction* f = __init_array_start; f != __init_array_end; ++f) {
        (*f)();
    }
    (void)septum_main(start_argument);
    // Returning from main has nowhere to go: fault, so whoever handles
    // this thread's faults learns of it.
    for (;;) {
        asm volatile("ud2");
    }
}
}
