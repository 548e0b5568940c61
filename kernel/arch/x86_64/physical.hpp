// Kernel access to physical memory: through the direct map. (The host build
// of the kernel core provides its own physical.hpp over an array.)
#pragma once

#include <cstdint>

#include "layout.hpp"

namespace septum::kernel {

template <typename T>
T* physical_pointer(std::uint64_t phys) {
    return arch::phys_to_virt<T>(phys);
}

}  // namespace septum::kernel
