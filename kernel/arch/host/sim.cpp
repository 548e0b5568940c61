// The parts of the kernel image a host build needs: the kernel instance and
// the boot page tables whose kernel half every address space copies.
#include <cstdint>

#include "kernel.hpp"
#include "virt.hpp"

extern "C" {
std::uint64_t boot_pml4[512] = {};
}

namespace septum::kernel {
Kernel kernel;
}

namespace septum::arch::virt {
bool available() { return false; }
}  // namespace septum::arch::virt
