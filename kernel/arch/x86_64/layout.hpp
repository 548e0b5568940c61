// Typed views of the constants in layout.h.
#pragma once

#include <cstdint>

#include "layout.h"

namespace septum::arch {

inline constexpr std::uint64_t kernel_virt_base = KERNEL_VIRT_BASE;
inline constexpr std::uint64_t physmap_base = PHYSMAP_BASE;
inline constexpr std::uint64_t physmap_size = std::uint64_t{PHYSMAP_GIB} << 30;

// Physical address of an object inside the kernel image.
inline std::uint64_t image_to_phys(const void* p) { return reinterpret_cast<std::uint64_t>(p) - kernel_virt_base; }

// Kernel pointer for a physical address below physmap_size; nullptr above.
template <typename T>
inline T* phys_to_virt(std::uint64_t phys) {
    if (phys >= physmap_size) {
        return nullptr;
    }
    return reinterpret_cast<T*>(physmap_base + phys);
}

}  // namespace septum::arch
