// Kernel access to physical memory. On the machine that is the direct map
// (kernel/arch/x86_64/layout.hpp); on the simulated machine a host array
// (kernel/arch/host/layout.hpp). The angle brackets let the include path
// decide which, as the host build puts arch/host first.
#pragma once

#include <cstdint>
#include <layout.hpp>

namespace septum::kernel {

template <typename T>
T* physical_pointer(std::uint64_t phys) {
    return arch::phys_to_virt<T>(phys);
}

}  // namespace septum::kernel
