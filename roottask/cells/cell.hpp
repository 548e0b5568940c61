// A cell: a guest, the VMM server that drives it (a program from a boot
// module, in an address space and CSpace of its own) and the console path
// to the root task. Every object of a cell - its VMM's address space,
// CSpace, thread and SchedContext, its guest's memory, EPT, VCPU, image
// and console - is made from Untypeds of its own (description/need.hpp:
// one for its guest RAM's 2 MiB frames per set bit of that RAM's size,
// one for the rest), cut for it from the root task's memory, so cells
// never share memory and what a cell costs is those Untypeds' use. The VMM
// gets exactly the capabilities abi/cell.hpp lists.
#pragma once

#include <cstdint>

#include "cells/input_focus.hpp"
#include "description/check.hpp"
#include "description/need.hpp"
#include "env.hpp"
#include "program.hpp"
#include "septum/abi/cell.hpp"
#include "septum/user/alloc.hpp"

namespace septum::roottask {

struct CellSpec {
    const char* name = "";
    const abi::ModuleDescription* vmm = nullptr;
    const abi::ModuleDescription* image = nullptr;
    abi::ImageKind image_kind = abi::ImageKind::flat;
    // Linux images: the initrd (nullptr: none) and the command line. The
    // kernel and initrd are mapped from their modules, not copied.
    const abi::ModuleDescription* initrd = nullptr;
    const char* command_line = "";
    std::uint64_t guest_ram_pages = 16;  // 4 KiB pages, at most max_guest_ram_pages
    std::uint64_t guest_entry = 0x1000;  // flat images: the load address
    std::uint8_t priority = 100;
    std::uint64_t budget_us = 0, period_us = 0;  // period 0: no SchedContext, the thread's priority alone
    std::uint64_t max_resets = 0;
    bool record_exits = false;  // abi::cell_flags::record_exits
    bool bench = false;         // abi::cell_flags::bench
    // The cell's Untypeds, of the sizes its need says, when the caller cut
    // them (the product cuts every cell's before it builds any:
    // cells/prepare.cpp): its own, and its guest RAM's largest first
    // (CellNeed::untyped_size_bits). untyped 0: build_cell cuts them all
    // from env's pool.
    CPtr untyped = 0;
    CPtr ram_untypeds[description::max_ram_untypeds] = {};
};

inline constexpr std::uint64_t max_guest_ram_pages = description::max_guest_ram / user::page_size;

// Where the root task meets its cells: one Endpoint for their reports and
// one Notification for their consoles, each cell holding a write-only copy
// badged with 1 << its index.
struct CellLink {
    CPtr report = 0;
    CPtr console = 0;
};

// Bytes of the cell's Untypeds by use (see docs/measurements.md).
struct CellMemory {
    std::uint64_t untyped = 0;    // the cell's Untypeds together
    std::uint64_t own = 0;        // of them, its own (all but the guest RAM's 2 MiB frames)
    std::uint64_t total = 0;      // handed out
    std::uint64_t guest_ram = 0;  // guest RAM frames
    std::uint64_t image = 0;      // the image the VMM loads (and reloads at a reset)
    std::uint64_t planned = 0;    // what its need (description/need.hpp) allowed for: total never exceeds it
    // Everything else: kernel objects (VCPU, EPT, TCB, CSpace, page
    // tables, SchedContext), the VMM program, its state and console pages.
    [[nodiscard]] std::uint64_t hypervisor() const { return total - guest_ram; }
};

struct Cell {
    const char* name = "";
    unsigned index = 0;
    Program vmm;
    user::Allocator memory;  // over the cell's own Untyped
    CPtr untyped = 0;
    CPtr ram_untypeds[description::max_ram_untypeds] = {};
    CellMemory bytes;
    const abi::ConsoleRing* console = nullptr;  // the ring, mapped read-only in the root task
    std::uint64_t console_read = 0;             // bytes of the ring consumed so far
    abi::InputRing* input = nullptr;            // the input ring, mapped read-write in the root task
    InputCursor input_cursor;
    CPtr wake = 0;  // the Notification bound to the VMM's thread (abi::CellSlot::wake)
};

// The largest number of cells; also the number of console views.
inline constexpr unsigned max_cells = 8;

// What building the cell of `spec` takes; false if its VMM program is
// not one the root task can load.
bool need_of(const CellSpec& spec, description::CellNeed& need);

// Builds cell number `index` (< max_cells) as `spec` says from an Untyped
// of its own (spec.untyped, or cut from env's pool), and starts its VMM.
Status build_cell(Env& env, const CellSpec& spec, const CellLink& link, unsigned index, Cell& cell);

// Makes the Endpoint and Notification of a CellLink (from env's pool).
Status make_link(Env& env, CellLink& link);

}  // namespace septum::roottask
