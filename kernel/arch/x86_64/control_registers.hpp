// CR0 and CR4 bits the kernel names (SDM Vol. 3 2.5). No instructions
// here: portable code (vcpu_filter.cpp) includes it on the host too.
#pragma once

#include <cstdint>

namespace septum::arch {

namespace cr0 {
inline constexpr std::uint64_t pe = 1u << 0;
inline constexpr std::uint64_t mp = 1u << 1;
inline constexpr std::uint64_t em = 1u << 2;
inline constexpr std::uint64_t ne = 1u << 5;
inline constexpr std::uint64_t pg = std::uint64_t{1} << 31;
}  // namespace cr0
namespace cr4 {
inline constexpr std::uint64_t osfxsr = 1u << 9;
inline constexpr std::uint64_t osxmmexcpt = 1u << 10;
inline constexpr std::uint64_t vmxe = 1u << 13;
}  // namespace cr4

}  // namespace septum::arch
