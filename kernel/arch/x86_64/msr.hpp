// Model-specific registers the kernel uses (Intel SDM Vol. 4, chapter 2):
// their numbers, and the bits it reads in some.
#pragma once

#include <cstdint>

#include "septum/abi/msr.hpp"
#include "septum/abi/x86.hpp"

namespace septum::arch {

// The numbers are abi/msr.hpp's, shared with the VMM.
using Msr = abi::Msr;

// IA32_FEATURE_CONTROL bits (SDM Vol. 3 23.7).
namespace feature_control {
inline constexpr std::uint64_t lock = 1u << 0;
inline constexpr std::uint64_t vmx_outside_smx = 1u << 2;
}  // namespace feature_control

namespace efer = abi::x86::efer;

}  // namespace septum::arch
