// Every input through every exit family: the coverage build's replay
// binary (./septum fuzz --coverage), which measures what the corpora reach
// in vmm-server/.
#include "families.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum::fuzz::families;
    for (const septum::fuzz::Family* family :
         {&cpuid, &msr, &io, &ept, &cr, &xsetbv, &exception, &interrupt_window, &vmcall, &reset, &dispatch}) {
        septum::fuzz::run(data, size, *family);
    }
    return 0;
}
