// The VMX instructions on the VMCS, over the field encodings of
// vmcs_fields.hpp. Only the kernel touches the VMCS.
#pragma once

#include <cstdint>

#include "vmcs_fields.hpp"

namespace septum::arch::vmcs {

// VMX instructions report through RFLAGS (SDM Vol. 3 31.2): CF set is
// VMfailInvalid, ZF set VMfailValid. All return true on success.
inline bool vmwrite(Field f, std::uint64_t value) {
    bool fail = false;
    asm volatile("vmwrite %1, %2; setbe %0"
                 : "=qm"(fail)
                 : "r"(value), "r"(static_cast<std::uint64_t>(f))
                 : "cc", "memory");
    return !fail;
}

inline std::uint64_t vmread(Field f) {
    std::uint64_t value = 0;
    asm volatile("vmread %1, %0" : "=r"(value) : "r"(static_cast<std::uint64_t>(f)) : "cc");
    return value;
}

inline bool vmclear(std::uint64_t phys) {
    bool fail = false;
    asm volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
    return !fail;
}

inline bool vmptrld(std::uint64_t phys) {
    bool fail = false;
    asm volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
    return !fail;
}

}  // namespace septum::arch::vmcs
