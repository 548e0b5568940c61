// From the guest's linear addresses to guest-physical ones, the way the
// guest's own page tables say (SDM Vol. 3A chapter 4): no paging, 32-bit,
// PAE and 4-level paging. Used to fetch the instruction behind an MMIO
// exit and to reach the memory operands of string I/O. Every page-table
// read goes through GuestMemory; tables outside guest RAM are an error, not
// a crash.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "guest_memory.hpp"
#include "vcpu.hpp"

namespace septum::vmm {

enum class Access : std::uint8_t { read, write, fetch };

struct Translation {
    // ok; invalid_argument: a page fault, whose error code is pf_error;
    // out_of_range: a paging structure lies outside guest RAM.
    Status status;
    std::uint64_t gpa;
    std::uint32_t pf_error;
};

Translation translate(const GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, Access access);

// Copies `length` bytes at `linear` out of the guest, page by page. Returns
// how many bytes were copied before the first failure, which `fault` then
// describes (status ok when all were copied).
std::size_t read_linear(const GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, void* out,
                        std::size_t length, Access access, Translation& fault);
// Copies into the guest; the same contract.
std::size_t write_linear(GuestMemory& memory, const Vcpu& vcpu, std::uint64_t linear, const void* in,
                         std::size_t length, Translation& fault);

// The base of segment register `sreg` in the encoding of instruction
// information (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS; SDM Vol. 3C 28.2.5); in
// 64-bit mode only FS and GS have one. An invalid index reads as DS.
std::uint64_t segment_base(const Vcpu& vcpu, unsigned sreg);
// Linear addresses outside 64-bit mode are 32 bits wide.
std::uint64_t linear_mask(const Vcpu& vcpu);

}  // namespace septum::vmm
