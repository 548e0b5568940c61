// Object kinds: the library owns each kind's type, size, alignment and
// identity; the kernel owns the contents.
//
// Memory objects are made only by retyping Untyped memory. They are naturally
// aligned (an object of 2^n bytes starts on a 2^n boundary), as in seL4, so
// that page-table levels, VMCS regions and frames meet the hardware's
// alignment without a second rule. IOPortRange and IRQHandler name no memory:
// they are made once, at boot, as initial capabilities.
#pragma once

#include <cstdint>

#include "septum/caps/rights.hpp"

namespace septum::caps {

using PhysAddr = std::uint64_t;

enum class ObjectKind : std::uint8_t {
    null = 0,  // an empty slot
    untyped,
    cnode,
    tcb,
    endpoint,
    notification,
    reply,
    frame_4k,
    frame_2m,
    pml4,  // VSpace root
    pdpt,
    page_directory,
    page_table,
    io_port_range,  // no memory: ports [first, last]
    irq_handler,    // no memory: one interrupt line
    vcpu,
    guest_memory,  // EPT root (EPT PML4)
    ept_pdpt,
    ept_pd,
    ept_pt,
    sched_context,
    count_,  // not a kind: the number of kinds
};

constexpr std::uint8_t kind_count = static_cast<std::uint8_t>(ObjectKind::count_);

// A slot is 2^slot_bits bytes of CNode memory (see slot.hpp).
constexpr std::uint8_t slot_bits = 7;

constexpr std::uint8_t min_untyped_bits = 4;   // the smallest object (an Endpoint)
constexpr std::uint8_t max_untyped_bits = 47;  // a canonical lower-half range
constexpr std::uint8_t min_cnode_radix = 1;    // every level consumes a bit: lookup terminates
constexpr std::uint8_t max_cnode_radix = 24;   // 2^31 bytes of slots; keeps reaping sane
constexpr std::uint64_t max_io_port = 0xFFFF;
constexpr std::uint64_t max_irq = 255;

// log2 of the size of each fixed-size kind; 0 for kinds whose size comes from
// an argument (Untyped, CNode) or that occupy no memory.
std::uint8_t fixed_size_bits(ObjectKind kind);

// True for kinds that occupy memory and so can be made by retype.
bool is_memory_kind(ObjectKind kind);

// True for kinds that copy, mint and mutate may derive. Untyped is not: its
// watermark lives in the capability, so a copy could allocate the same bytes
// twice. Reply is not: a reply right is single-use.
bool is_derivable(ObjectKind kind);

// True for kinds whose capabilities carry a badge.
constexpr bool is_badged_kind(ObjectKind kind) {
    return kind == ObjectKind::endpoint || kind == ObjectKind::notification;
}

// The rights each kind gives meaning to; the rest are dropped.
Rights meaningful_rights(ObjectKind kind);

// A raw kind number from user space, checked. Returns ObjectKind::null when
// the number names no kind.
ObjectKind kind_from_raw(std::uint64_t raw_kind);

// log2 of the object size for a retype of `kind` with the raw size argument
// (Untyped: log2 bytes; CNode: radix). Returns 0 when the argument is outside
// the kind's domain or the kind cannot be retyped.
std::uint8_t retype_size_bits(ObjectKind kind, std::uint64_t raw_size_arg);

const char* kind_name(ObjectKind kind);

}  // namespace septum::caps
