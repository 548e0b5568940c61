// What the code of a root-task program gets (the product's cells and the
// in-system suite's tests alike): the report, a pool of memory for its
// objects, thread and address-space helpers, and the root task's own
// capabilities.
#pragma once

#include <cstddef>
#include <cstdint>

#include "description/layout.hpp"
#include "report.hpp"
#include "septum/abi/bootinfo.hpp"
#include "septum/caps/object_kind.hpp"
#include "septum/user/alloc.hpp"
#include "septum/user/thread.hpp"

namespace septum::roottask {

using user::CPtr;

inline constexpr auto root_cnode = static_cast<CPtr>(abi::InitialSlot::cnode);
inline constexpr auto root_vspace = static_cast<CPtr>(abi::InitialSlot::vspace);
inline constexpr auto root_tcb = static_cast<CPtr>(abi::InitialSlot::tcb);
inline constexpr auto root_io_ports = static_cast<CPtr>(abi::InitialSlot::io_ports);
inline constexpr std::uint8_t root_priority = 255;  // the kernel starts the root task at the top

// Rights as the CNode mint invocation takes them.
inline constexpr std::uint64_t right_read = 1, right_write = 2, right_grant = 4, right_grant_reply = 8,
                               right_execute = 16, rights_all = 0x1f;

// Pages of the root address space a program may map: scratch(i).
inline constexpr std::uint64_t scratch_base = 0x200000000000;
constexpr std::uint64_t scratch(unsigned i) { return scratch_base + std::uint64_t{i} * 0x1000; }

// The root CNode resolves all 64 address bits in one level (guard 51 bits,
// radix 13). `alias` is a copy with a 43-bit guard: through it an address
// uses 56 bits to reach a root slot, which leaves 8 bits for a CNode of
// radix 8 there, so capabilities can be copied into other CSpaces.
inline constexpr std::uint8_t alias_guard_bits = 43;
inline constexpr std::uint64_t alias_root_depth = 56;
inline constexpr std::uint8_t second_level_radix = layout::program_cnode_radix;
// The address, through alias, of slot `index` of the radix-8 CNode at root slot `cnode`.
constexpr std::uint64_t second_level(CPtr cnode, std::uint64_t index) { return (cnode << second_level_radix) | index; }

struct Env {
    const abi::BootInfo* bi = nullptr;
    Report* report = nullptr;
    user::Allocator* pool = nullptr;
    CPtr alias = 0;
    std::uint64_t next_window = 0;

    Result<CPtr> make(caps::ObjectKind kind, std::uint64_t size_arg = 0) { return pool->make(kind, size_arg); }
    Result<CPtr> slot() { return pool->slot(); }
    // A copy (mint) of the capability at src into a new slot.
    Result<CPtr> copy(CPtr src);
    Result<CPtr> mint(CPtr src, std::uint64_t rights, std::uint64_t data);
    // A new frame mapped in the root address space.
    Result<CPtr> map_new(std::uint64_t vaddr, std::uint64_t rights);
    // A thread in the root task's CSpace and address space running fn(arg).
    Status spawn(user::Thread& t, void (*fn)(std::uint64_t), std::uint64_t arg, std::uint8_t priority,
                 CPtr fault_endpoint = 0);
    template <typename T>
    Status spawn(user::Thread& t, void (*fn)(std::uint64_t), T* arg, std::uint8_t priority, CPtr fault_endpoint = 0) {
        return spawn(t, fn, reinterpret_cast<std::uint64_t>(arg), priority, fault_endpoint);
    }
};

// A new frame holding `bytes` (n of them) from byte `offset` on, zero
// elsewhere, filled through a staging page of the root address space and
// unmapped again. offset + n must not exceed a page.
Result<CPtr> filled_frame(Env& env, const void* bytes, std::size_t n, std::size_t offset = 0);

// An address space and a CSpace apart from the root task's: a PML4, a
// radix-8 CNode reached through Env::alias (second_level), and the
// CSpace root a thread there gets.
struct Space {
    CPtr pml4 = 0;
    CPtr cnode = 0;        // radix 8, reached through Env::alias
    CPtr cspace_root = 0;  // the CNode with a guard: depth-64 addresses are slot indices
};

// Makes the three objects of a Space from the pool.
Status make_space(Env& env, Space& s);

}  // namespace septum::roottask
