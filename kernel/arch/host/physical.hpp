// Kernel access to physical memory on the simulated machine: the host
// array of layout.hpp (this folder's, which a quoted include from here finds).
#pragma once

#include <cstdint>

#include "layout.hpp"

namespace septum::kernel {

template <typename T>
T* physical_pointer(std::uint64_t phys) {
    return arch::phys_to_virt<T>(phys);
}

}  // namespace septum::kernel
