// Simulated physical memory: one host array, reached like the direct map.
#pragma once

#include <cstdint>

namespace septum::arch {

namespace sim {
inline std::uint8_t* memory = nullptr;  // physical address 0
inline std::uint64_t memory_size = 0;
}  // namespace sim

inline constexpr std::uint64_t kernel_virt_base = 0xffffffff80000000;

template <typename T>
inline T* phys_to_virt(std::uint64_t phys) {
    if (phys >= sim::memory_size) {
        return nullptr;
    }
    return reinterpret_cast<T*>(sim::memory + phys);
}

}  // namespace septum::arch
