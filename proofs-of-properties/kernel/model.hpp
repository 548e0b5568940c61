// The vocabulary the separation checkers share: a system description (cells,
// the channels and shared frames between them, budgets), the placement of
// its objects in physical memory, the actions a step performs, and the view
// of a system that two implementations must agree on.
//
// Every cell gets the same CNode layout (radix 5, guard 59 zero bits, so a
// slot's address is its index) and the same virtual layout; see slots and
// virtual addresses below.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "septum/abi/syscall.hpp"
#include "septum/caps/rights.hpp"
#include "septum/caps/status.hpp"

namespace septum::kernel::proofs {

using septum::Status;

inline constexpr unsigned max_cells = 3;
inline constexpr unsigned threads_per_cell = 2;
inline constexpr std::uint8_t cell_radix = 5;
inline constexpr std::uint8_t untyped_bits = 14;

// Slots of every cell's CNode.
namespace slot {
inline constexpr std::uint64_t cnode = 1;         // the cell's CNode (original)
inline constexpr std::uint64_t vspace = 2;        // its PML4 (original)
inline constexpr std::uint64_t untyped = 3;       // its Untyped, 2^untyped_bits bytes
inline constexpr std::uint64_t endpoint = 4;      // its Endpoint, badged by the system
inline constexpr std::uint64_t notification = 5;  // its Notification, badged by the system
inline constexpr std::uint64_t data_frame = 6;    // a frame mapped read-write at va::data
inline constexpr std::uint64_t channel_out = 7;   // a declared channel: send side
inline constexpr std::uint64_t channel_in = 8;    // a declared channel: receive side
inline constexpr std::uint64_t peer_frame = 9;    // a frame another cell shares, at va::peer
// 10, 11: free. The system keeps the TCBs, as the root task keeps its
// cells' (abi/cell.hpp): a TCB capability could unbind the thread's
// SchedContext, or bind an unconfigured one made from the cell's Untyped,
// and so lift its budget (docs/separation.md, CPU isolation).
inline constexpr std::uint64_t ipc_buffer = 12;  // 12 + i: thread i's IPC buffer frame
inline constexpr std::uint64_t pdpt = 14, pd = 15, pt = 16;
inline constexpr std::uint64_t offered_frame = 17;  // a frame of this cell it may share, at va::offered
inline constexpr std::uint64_t first_free = 18;
inline constexpr std::uint64_t count = 32;
}  // namespace slot

// Thread 1 of every cell is bound to the cell's Notification, as a VMM
// thread is to the one its device servers signal: a signal ends its
// Endpoint receive.
inline constexpr unsigned bound_thread = 1;

// Rights as the bits of caps::Rights, as views and the specification hold them.
namespace right {
inline constexpr std::uint8_t read = static_cast<std::uint8_t>(caps::Rights::read);
inline constexpr std::uint8_t write = static_cast<std::uint8_t>(caps::Rights::write);
inline constexpr std::uint8_t grant = static_cast<std::uint8_t>(caps::Rights::grant);
inline constexpr std::uint8_t grant_reply = static_cast<std::uint8_t>(caps::Rights::grant_reply);
inline constexpr std::uint8_t all = static_cast<std::uint8_t>(caps::Rights::all);
}  // namespace right

// Virtual addresses of every cell (one page table covers [0, 2 MiB)).
namespace va {
inline constexpr std::uint64_t data = 0x10000;
inline constexpr std::uint64_t offered = 0x11000;
inline constexpr std::uint64_t peer = 0x12000;
inline constexpr std::uint64_t spare0 = 0x13000, spare1 = 0x14000;  // free for frame_map
inline constexpr std::uint64_t ipc_buffer = 0x20000;                // + 0x1000 * i
inline constexpr std::uint64_t unmapped = 0x30000;                  // a table, no frame
inline constexpr std::uint64_t no_table = 0x40000000;               // no table at all
}  // namespace va

// Memory the checkers observe: these words of every frame (at 0x800 + 8 i,
// clear of the IPC buffer's fields at the start of a page).
inline constexpr unsigned observed_words = 4;
inline constexpr std::uint64_t observed_offset = 0x800;

// A declared channel: an Endpoint whose send side (write, grant-reply, and
// grant if declared) cell `from` holds at channel_out and whose receive side
// (read) cell `to` holds at channel_in.
struct Channel {
    unsigned from;
    unsigned to;
    bool grant;
};

// A declared shared frame: `owner`'s offered frame, also held by `peer` at
// peer_frame (read-only unless writable) and mapped there at va::peer.
struct SharedFrame {
    unsigned owner;
    unsigned peer;
    bool writable;
};

// Budgets and periods are cycles of the simulated TSC, which runs at 1 MHz
// (kernel/arch/host/clock.hpp): microseconds, as descriptions give them.
struct ThreadConfig {
    std::uint8_t priority;
    std::uint64_t budget;  // cycles of CPU in every period
    std::uint64_t period;  // cycles; periods follow each other from time 0
};

struct Description {
    unsigned cells = 2;
    std::vector<Channel> channels;
    std::vector<SharedFrame> shared;
    std::array<std::array<ThreadConfig, threads_per_cell>, max_cells> threads{};
    // The secret of cell 0: its initial memory and its Endpoint's and
    // Notification's badges derive from it (confidentiality runs vary it).
    std::uint64_t secret = 0;

    [[nodiscard]] unsigned thread_count() const { return cells * threads_per_cell; }
    [[nodiscard]] std::string describe() const;
};

// The rights and badges of the capabilities the system gives a cell.
inline constexpr std::uint8_t own_endpoint_rights = right::read | right::write | right::grant | right::grant_reply;
inline constexpr std::uint8_t own_notification_rights = right::read | right::write;
inline constexpr std::uint8_t channel_receive_rights = right::read;
inline std::uint8_t channel_send_rights(const Channel& ch) {
    return static_cast<std::uint8_t>(right::write | right::grant_reply | (ch.grant ? right::grant : 0));
}
inline std::uint8_t shared_frame_rights(const SharedFrame& f) {
    return static_cast<std::uint8_t>(right::read | (f.writable ? right::write : 0));
}
inline std::uint64_t channel_badge(unsigned index) { return 0xc0 + index; }

// The badge the system gives cell c's Endpoint (or, with notification,
// Notification) capability.
std::uint64_t own_badge(const Description& d, unsigned cell, bool notification);
// The initial contents of observed word i of a cell's data or offered frame.
std::uint64_t initial_word(const Description& d, unsigned cell, bool offered, unsigned i);

// Where the builder placed each object (physical addresses).
struct CellPlacement {
    std::uint64_t cnode, pml4, pdpt, pd, pt, untyped, endpoint, notification, data_frame, offered_frame;
    std::array<std::uint64_t, threads_per_cell> tcb, ipc_buffer, sched_context;
};

struct Placement {
    std::uint64_t root_cnode = 0;  // the system's own CNode (no thread holds it)
    std::array<CellPlacement, max_cells> cells{};
    std::vector<std::uint64_t> channel_endpoints;  // one per declared channel
    // Which cell's region holds a physical address (cells are 64 KiB
    // regions); -1 for the system's own region.
    [[nodiscard]] int region_of(std::uint64_t phys) const;
};

inline constexpr std::uint64_t region_bytes = 0x10000;

// How long the running thread runs before an action: a number of cycles,
// or until `cycles` before the kernel's next decision about it (the end of
// its budget or timeslice, or a replenishment; 0: exactly then, and the
// timer fires first). A thread that blocks or yields just before that
// moment is what a kernel that charges at timer ticks never charges.
struct Duration {
    std::uint64_t cycles = 0;
    bool before_deadline = false;
};

// One step: time passes (the running thread runs, or none does, and the
// timer fires whenever it is due), then the thread running at the end
// performs a syscall, a store or a load, or nothing (spin).
struct Action {
    enum class Kind : std::uint8_t { syscall, store, load, spin };
    Kind kind = Kind::spin;
    Duration run;
    abi::Syscall number = abi::Syscall::yield;
    std::uint64_t cptr = 0;
    std::uint64_t label = 0;
    std::uint8_t length = 0;
    std::uint8_t extra_caps = 0;
    std::array<std::uint64_t, 6> words{};  // message words / invocation arguments
    std::uint64_t send_cap = 0;            // IPC buffer caps[0] (an address in the sender's CSpace)
    std::uint64_t receive_slot = 0;        // where a received capability goes (0: nowhere)
    std::uint64_t address = 0;             // store, load
    unsigned word = 0;                     // store, load: which observed word
    std::uint64_t value = 0;               // store
    bool message = false;                  // the words are an IPC message, not invocation arguments

    [[nodiscard]] std::string describe() const;
};

// Replaces the data of an action performed by a thread of the secret cell
// by values derived from the secret: message words beyond the length, every
// message word not sent over a channel or as a reply, and stored values.
Action with_secret(const Action& a, std::uint64_t secret);

// What a system shows, for comparing two implementations step by step.
struct ThreadView {
    std::uint8_t state = 0;               // ThreadState
    std::array<std::uint64_t, 7> regs{};  // rax, rdi, rsi, rdx, r8, r9, r10
    int caller = -1;                      // the thread whose call it has received and not answered

    bool operator==(const ThreadView&) const = default;
};

struct CapView {
    std::uint8_t kind = 0;
    std::uint64_t object = 0;
    std::uint8_t rights = 0;
    std::uint64_t badge = 0;
    std::uint64_t mapped_root = 0;
    std::uint64_t mapped_address = 0;

    bool operator==(const CapView&) const = default;
};

using Words = std::array<std::uint64_t, observed_words>;
// Where a capability is: (CNode or TCB address, slot index).
using CapLocation = std::pair<std::uint64_t, std::uint64_t>;

struct View {
    int running = -1;  // thread index, -1: none
    std::vector<ThreadView> threads;
    std::map<CapLocation, CapView> caps;    // every cell CNode slot and TCB slot that holds one
    std::map<std::uint64_t, Words> memory;  // every frame some capability names
    // Every Endpoint and Notification some capability names: the threads
    // waiting in it, and a Notification's word.
    std::map<std::uint64_t, std::vector<int>> waiting;
    std::map<std::uint64_t, std::uint64_t> signals;
    std::uint64_t now = 0;  // the TSC

    bool operator==(const View&) const = default;
};

// The first difference between two views, or "" when they are equal.
std::string difference(const View& spec, const View& real);

// A stretch of time without a kernel entry: which thread ran (-1: none) and
// which threads were ready, wanting the CPU (bit i: thread i).
struct Segment {
    std::uint64_t from = 0, to = 0;
    int running = -1;
    std::uint32_t ready = 0;
};

// What a step returned to the thread that made it, besides its registers:
// the value a load read (or fault).
inline constexpr std::uint64_t load_fault = 0xfa017fa017fa017f;

}  // namespace septum::kernel::proofs
