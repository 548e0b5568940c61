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
std::uint32_t sim_apic_offered = 0;  // tests set it
std::uint32_t apic_offered() { return sim_apic_offered; }
}  // namespace septum::arch::virt
