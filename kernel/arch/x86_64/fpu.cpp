#include "fpu.hpp"

#include "cpu.hpp"

namespace septum::arch::fpu {

void init() {
    write_cr0((read_cr0() | cr0::mp) & ~cr0::em);
    write_cr4(read_cr4() | cr4::osfxsr | cr4::osxmmexcpt);
    // Start from a clean state: the first thread's restore is then exact.
    asm volatile("fninit" ::: "memory");
}

}  // namespace septum::arch::fpu
