// The hypercall ABI a guest reaches with VMCALL (documented in
// docs/vmm-server.md): RAX holds the function, RBX the argument; the
// result comes back in RAX. Only CPL 0 may call. Values are ABI: append,
// never renumber.
#pragma once

#include <cstdint>

namespace septum::vmm::hypercall {

enum class Function : std::uint64_t {
    version = 0,      // -> RAX = abi_version
    console_put = 1,  // BL: one byte for the console -> RAX = 0
    stop = 2,         // RBX: exit code; the guest stops and does not return
};

inline constexpr std::uint64_t abi_version = 1;
inline constexpr std::uint64_t success = 0;
inline constexpr std::uint64_t unknown_function = ~std::uint64_t{0};   // -1
inline constexpr std::uint64_t not_permitted = ~std::uint64_t{0} - 1;  // -2: called from CPL > 0

}  // namespace septum::vmm::hypercall
