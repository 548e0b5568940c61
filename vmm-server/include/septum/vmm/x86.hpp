// Architectural constants the exit handlers depend on, named once (Intel
// SDM Vol. 3A unless a section says otherwise).
#pragma once

#include <septum/abi/msr.hpp>
#include <septum/abi/x86.hpp>

#include <cstdint>

namespace septum::vmm::x86 {

// Shared with the kernel (abi/x86.hpp).
namespace cr0 = abi::x86::cr0;
namespace cr4 = abi::x86::cr4;
namespace efer = abi::x86::efer;
namespace rflags = abi::x86::rflags;
namespace xcr0 = abi::x86::xcr0;
namespace interruptibility = abi::x86::interruptibility;
namespace pat = abi::x86::pat;
namespace pte = abi::x86::pte;
using abi::x86::Activity;
using abi::x86::canonical;
using abi::x86::EventInfo;
using abi::x86::EventType;
using abi::x86::max_instruction_length;
using abi::x86::MemoryType;
using abi::x86::Vector;

// Segment access rights in the VMCS format (SDM Vol. 3C 25.4.1, Table 25-2).
namespace access {
inline constexpr std::uint32_t accessed = 1u << 0;
inline constexpr std::uint32_t code = 1u << 3;
inline constexpr std::uint32_t s = 1u << 4;  // code or data, not system
inline constexpr std::uint32_t present = 1u << 7;
inline constexpr std::uint32_t l = 1u << 13;  // 64-bit code
inline constexpr std::uint32_t db = 1u << 14;
inline constexpr std::uint32_t g = 1u << 15;
inline constexpr std::uint32_t unusable = 1u << 16;
inline constexpr std::uint32_t dpl_shift = 5;
}  // namespace access

// MSR numbers (abi/msr.hpp, shared with the kernel); the allow list is
// msr.cpp's.
using Msr = abi::Msr;

// Page-fault error code (SDM 4.7, Figure 4-12).
namespace pf_error {
inline constexpr std::uint32_t present = 1u << 0;
inline constexpr std::uint32_t write = 1u << 1;
inline constexpr std::uint32_t user = 1u << 2;
inline constexpr std::uint32_t reserved = 1u << 3;
inline constexpr std::uint32_t fetch = 1u << 4;
}  // namespace pf_error

inline constexpr std::uint64_t page_size = 4096;

}  // namespace septum::vmm::x86
