#include "real.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "layout.hpp"
#include "physical.hpp"
#include "vspace.hpp"

namespace septum::kernel::proofs {

namespace {

using caps::ObjectKind;

constexpr std::uint64_t memory_bytes = std::uint64_t{1} << 20;
constexpr std::uint8_t root_radix = 6;
constexpr std::uint64_t root_cnode_phys = 0x4000;  // 8 KiB, size aligned
constexpr std::uint64_t system_objects = 0x6000;   // channel Endpoints, then the cells' IPC objects
constexpr std::uint64_t sched_contexts = 0x8000;   // 256 bytes each

// Cell c's region and the offsets of its objects in it.
std::uint64_t region_base(unsigned c) { return region_bytes * (c + 1); }
namespace offset {
constexpr std::uint64_t data = 0x0, offered = 0x1000, ipc_buffer = 0x2000, cnode = 0x4000, pml4 = 0x5000, pdpt = 0x6000,
                        pd = 0x7000, pt = 0x8000, tcb = 0x9000, endpoint = 0xa000, notification = 0xa020,
                        untyped = 0xc000;
}  // namespace offset

// The page fault error code of a user access (SDM Vol. 3 4.7).
constexpr std::uint64_t pf_user = 1u << 2, pf_write = 1u << 1, pf_present = 1u << 0;
constexpr std::uint64_t vector_page_fault = 14;

// The simulated MMU: the page-table entry bits it obeys (SDM Vol. 3 4.5).
constexpr std::uint64_t pte_present = 1u << 0, pte_write = 1u << 1, pte_user = 1u << 2;
constexpr std::uint64_t pte_address = 0x000ffffffffff000;

std::uint8_t* simulated_memory() {
    static std::uint8_t* block = static_cast<std::uint8_t*>(std::aligned_alloc(1u << 21, memory_bytes));
    return block;
}

// The word a user access to vaddr reaches through the thread's VSpace, or
// nullptr with the fault's error code when the MMU would fault.
std::uint64_t* user_word(const Tcb& t, std::uint64_t vaddr, bool write, std::uint64_t& error) {
    error = pf_user | (write ? pf_write : 0);
    const caps::Slot& vs = t.vspace();
    if (vs.empty() || vs.cap.kind != ObjectKind::pml4 || vaddr >= (std::uint64_t{1} << 47)) {
        return nullptr;
    }
    std::uint64_t table = vs.cap.object;
    for (unsigned level = 4; level >= 1; --level) {
        const auto* entries = physical_pointer<std::uint64_t>(table);
        const std::uint64_t e = entries[(vaddr >> (12 + 9 * (level - 1))) & 511];
        if ((e & pte_present) == 0 || (e & pte_user) == 0) {
            return nullptr;
        }
        if (write && (e & pte_write) == 0) {
            error |= pf_present;
            return nullptr;
        }
        table = e & pte_address;
    }
    return physical_pointer<std::uint64_t>(table + (vaddr & 0xfff));
}

}  // namespace

RealSystem::RealSystem(const Description& d) : description_(d) {
    std::uint8_t* memory = simulated_memory();
    // Stale contents, as real memory has, wherever the system's and the
    // cells' regions lie (nothing is ever placed above them).
    std::memset(memory, 0xa5, region_base(max_cells));
    arch::sim::memory = memory;
    arch::sim::memory_size = memory_bytes;
    std::destroy_at(&kernel::kernel);
    std::construct_at(&kernel::kernel);
    // The simulated TSC from 0 at its own rate (1 MHz), as the kernel's
    // boot calibrates it.
    kernel::kernel.scheduler.set_clock_rate(arch::clock::tsc_khz());
    arch::clock::sim::tsc = 0;
    arch::clock::sim::armed = kernel::Scheduler::never;
    generations_ = std::make_unique<std::uint32_t[]>(memory_bytes >> 12);
    kernel::kernel.address_spaces.init(generations_.get(), memory_bytes >> 12);
    build_system_region();
    for (unsigned c = 0; c < d.cells; ++c) {
        build_cell(c);
    }
    share();
    start_threads();
}

RealSystem::~RealSystem() {
    arch::sim::memory = nullptr;
    arch::sim::memory_size = 0;
}

caps::Slot& RealSystem::root_slot(std::uint64_t index) const {
    return kernel::kernel.cnode_slots(placement_.root_cnode)[index];
}

caps::Slot& RealSystem::cell_slot(unsigned cell, std::uint64_t index) const {
    return kernel::kernel.cnode_slots(placement_.cells[cell].cnode)[index];
}

Tcb& RealSystem::thread(unsigned index) const {
    return *physical_pointer<Tcb>(placement_.cells[index / threads_per_cell].tcb[index % threads_per_cell]);
}

std::uint64_t RealSystem::place(caps::Slot& dest, ObjectKind kind, std::uint64_t phys, std::uint8_t size_bits) {
    caps::Capability c = caps::capability_for_new_object(kind, phys, size_bits);
    if (kind == ObjectKind::cnode) {
        c.guard_bits = static_cast<std::uint8_t>(64 - (size_bits - caps::slot_bits));
    }
    if (kernel::kernel.authority.create_initial(dest, c) != Status::ok) {
        std::abort();  // the builder's own layout is wrong
    }
    return phys;
}

void RealSystem::build_system_region() {
    Kernel& k = kernel::kernel;
    placement_.root_cnode = root_cnode_phys;
    std::memset(physical_pointer<void>(root_cnode_phys), 0, std::size_t{1} << (root_radix + caps::slot_bits));
    caps::Slot& self = k.cnode_slots(root_cnode_phys)[0];
    place(self, ObjectKind::cnode, root_cnode_phys, root_radix + caps::slot_bits);
    for (unsigned i = 0; i < description_.channels.size(); ++i) {
        placement_.channel_endpoints.push_back(
            place(root_slot(next_root_slot_++), ObjectKind::endpoint, system_objects + 16 * i, 4));
    }
}

void RealSystem::build_cell(unsigned c) {
    Kernel& k = kernel::kernel;
    CellPlacement& p = placement_.cells[c];
    const std::uint64_t base = region_base(c);
    p.cnode = base + offset::cnode;
    std::memset(physical_pointer<void>(p.cnode), 0, std::size_t{1} << (cell_radix + caps::slot_bits));
    // The CNode's first capability goes into its own slot 1.
    place(k.cnode_slots(p.cnode)[slot::cnode], ObjectKind::cnode, p.cnode, cell_radix + caps::slot_bits);
    p.pml4 = place(cell_slot(c, slot::vspace), ObjectKind::pml4, base + offset::pml4, 12);
    p.pdpt = place(cell_slot(c, slot::pdpt), ObjectKind::pdpt, base + offset::pdpt, 12);
    p.pd = place(cell_slot(c, slot::pd), ObjectKind::page_directory, base + offset::pd, 12);
    p.pt = place(cell_slot(c, slot::pt), ObjectKind::page_table, base + offset::pt, 12);
    p.untyped = place(cell_slot(c, slot::untyped), ObjectKind::untyped, base + offset::untyped, untyped_bits);
    p.data_frame = place(cell_slot(c, slot::data_frame), ObjectKind::frame_4k, base + offset::data, 12);
    p.offered_frame = place(cell_slot(c, slot::offered_frame), ObjectKind::frame_4k, base + offset::offered, 12);
    // The Endpoint and Notification: originals stay with the system, the
    // cell holds badged copies (so it cannot destroy them).
    caps::Slot& ep = root_slot(next_root_slot_++);
    caps::Slot& ntfn = root_slot(next_root_slot_++);
    p.endpoint = place(ep, ObjectKind::endpoint, base + offset::endpoint, 4);
    p.notification = place(ntfn, ObjectKind::notification, base + offset::notification, 5);
    (void)k.authority.mint(ep, cell_slot(c, slot::endpoint), own_endpoint_rights, own_badge(description_, c, false));
    (void)k.authority.mint(ntfn, cell_slot(c, slot::notification), own_notification_rights,
                           own_badge(description_, c, true));
    for (unsigned i = 0; i < threads_per_cell; ++i) {
        p.tcb[i] = place(root_slot(next_root_slot_++), ObjectKind::tcb, base + offset::tcb + 0x800 * i, 11);
        p.ipc_buffer[i] =
            place(cell_slot(c, slot::ipc_buffer + i), ObjectKind::frame_4k, base + offset::ipc_buffer + 0x1000 * i, 12);
    }
    // Page tables for [0, 2 MiB), then the frames.
    using arch::vspace::Level;
    (void)arch::vspace::map_table(p.pml4, 0, Level::pdpt, p.pdpt);
    (void)arch::vspace::map_table(p.pml4, 0, Level::page_directory, p.pd);
    (void)arch::vspace::map_table(p.pml4, 0, Level::page_table, p.pt);
    for (std::uint64_t s : {slot::pdpt, slot::pd, slot::pt}) {
        k.record_mapping(cell_slot(c, s).cap, p.pml4, 0);
    }
    map(c, slot::data_frame, va::data, true);
    map(c, slot::offered_frame, va::offered, true);
    for (unsigned i = 0; i < threads_per_cell; ++i) {
        map(c, slot::ipc_buffer + i, va::ipc_buffer + 0x1000 * i, true);
    }
    for (unsigned i = 0; i < observed_words; ++i) {
        physical_pointer<std::uint64_t>(p.data_frame + observed_offset)[i] = initial_word(description_, c, false, i);
        physical_pointer<std::uint64_t>(p.offered_frame + observed_offset)[i] = initial_word(description_, c, true, i);
    }
}

void RealSystem::map(unsigned cell, std::uint64_t slot_index, std::uint64_t vaddr, bool write) {
    caps::Capability& cap = cell_slot(cell, slot_index).cap;
    if (arch::vspace::map_frame(placement_.cells[cell].pml4, vaddr, cap.object, false, {write, false}) != Status::ok) {
        std::abort();
    }
    kernel::kernel.record_mapping(cap, placement_.cells[cell].pml4, vaddr);
}

void RealSystem::share() {
    Kernel& k = kernel::kernel;
    for (unsigned i = 0; i < description_.channels.size(); ++i) {
        const Channel& ch = description_.channels[i];
        caps::Slot& original = root_slot(1 + i);
        (void)k.authority.mint(original, cell_slot(ch.from, slot::channel_out), channel_send_rights(ch),
                               channel_badge(i));
        (void)k.authority.mint(original, cell_slot(ch.to, slot::channel_in), channel_receive_rights, 0);
    }
    for (const SharedFrame& f : description_.shared) {
        (void)k.authority.mint(cell_slot(f.owner, slot::offered_frame), cell_slot(f.peer, slot::peer_frame),
                               shared_frame_rights(f), 0);
        map(f.peer, slot::peer_frame, va::peer, f.writable);
    }
}

void RealSystem::start_threads() {
    Kernel& k = kernel::kernel;
    for (unsigned index = 0; index < description_.thread_count(); ++index) {
        const unsigned c = index / threads_per_cell, i = index % threads_per_cell;
        const ThreadConfig& config = description_.threads[c][i];
        Tcb& t = thread(index);
        (void)k.authority.copy(cell_slot(c, slot::cnode), t.slots[Tcb::cspace_slot]);
        (void)k.authority.copy(cell_slot(c, slot::vspace), t.slots[Tcb::vspace_slot]);
        (void)k.authority.copy(cell_slot(c, slot::ipc_buffer + i), t.slots[Tcb::ipc_buffer_slot]);
        t.ipc_buffer_address = va::ipc_buffer + 0x1000 * i;
        t.priority = config.priority;
        t.context.rip = 0x400000;
        const std::uint64_t sc = sched_contexts + 0x100 * index;
        placement_.cells[c].sched_context[i] = place(root_slot(next_root_slot_++), ObjectKind::sched_context, sc, 8);
        k.scheduler.configure(*physical_pointer<SchedContext>(sc), config.budget, config.period);
        k.scheduler.bind(t, physical_pointer<SchedContext>(sc));
        if (i == bound_thread) {  // what tcb_bind_notification does
            auto* n = physical_pointer<Notification>(placement_.cells[c].notification);
            n->bound = &t;
            t.bound_notification = n;
        }
        k.scheduler.make_ready(t);
    }
    k.schedule();
}

int RealSystem::thread_index(const Tcb* t) const {
    for (unsigned i = 0; i < description_.thread_count(); ++i) {
        if (&thread(i) == t) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int RealSystem::running() const { return thread_index(kernel::kernel.current); }

std::uint32_t RealSystem::ready_threads() const {
    std::uint32_t ready = 0;
    for (unsigned i = 0; i < description_.thread_count(); ++i) {
        ready |= thread(i).state == ThreadState::ready ? 1u << i : 0u;
    }
    return ready;
}

Action RealSystem::resolve(const Action& a) const {
    Action r = a;
    if (a.run.before_deadline) {
        const std::uint64_t now = arch::clock::now();
        const std::uint64_t deadline = kernel::kernel.scheduler.deadline();
        r.run = {deadline != Scheduler::never && deadline > now + a.run.cycles ? deadline - a.run.cycles - now : 0,
                 false};
    }
    return r;
}

std::vector<Segment> RealSystem::advance(const Action& plain) {
    Kernel& k = kernel::kernel;
    constexpr std::uint64_t never = Scheduler::never;
    const Action a = resolve(plain);
    std::vector<Segment> segments;
    std::uint64_t now = arch::clock::now();
    const std::uint64_t end = now + a.run.cycles;
    auto pass = [&](std::uint64_t to) {
        if (to > now) {
            segments.push_back({now, to, running(), ready_threads()});
        }
        now = to;
        arch::clock::sim::tsc = to;
    };
    for (;;) {
        std::uint64_t due = arch::clock::sim::armed;
        // An interrupt taken at a moment comes back a cycle later at the
        // earliest: a kernel that re-arms for the past cannot stop time.
        if (due != never && last_event_ != never && due <= last_event_) {
            due = last_event_ + 1;
        }
        if (due == never || due > end) {
            break;
        }
        pass(due > now ? due : now);
        arch::clock::sim::armed = never;  // a one-shot timer disarms as it fires
        last_event_ = now;
        k.handle_time_event();
        k.schedule();
    }
    pass(end);
    return segments;
}

std::uint64_t RealSystem::perform(const Action& a) {
    Kernel& k = kernel::kernel;
    Tcb* t = k.schedule();
    if (t == nullptr || a.kind == Action::Kind::spin) {
        return 0;
    }
    if (a.kind != Action::Kind::syscall) {
        const bool write = a.kind == Action::Kind::store;
        const std::uint64_t vaddr = a.address + observed_offset + 8 * a.word;
        std::uint64_t error = 0;
        std::uint64_t* p = user_word(*t, vaddr, write, error);
        if (p == nullptr) {
            k.handle_user_exception(vector_page_fault, error, vaddr);
            k.schedule();
            return load_fault;
        }
        if (write) {
            *p = a.value;
            return 0;
        }
        return *p;
    }
    // What the thread's program writes to its IPC buffer, then its registers.
    if (abi::IpcBuffer* b = t->ipc_buffer(); b != nullptr) {
        b->caps[0] = a.send_cap;
        b->receive_cnode = a.receive_slot != 0 ? slot::cnode : 0;
        b->receive_index = a.receive_slot;
    }
    t->context.rax = static_cast<std::uint64_t>(a.number);
    t->context.rdi = a.cptr;
    t->context.rsi = abi::MessageInfo{a.label, a.length, a.extra_caps}.encode();
    for (unsigned i = 0; i < a.words.size(); ++i) {
        set_message_word(*t, i, a.words[i]);
    }
    t->context.rip += 2;  // past the SYSCALL instruction
    k.handle_syscall();
    k.schedule();
    return 0;
}

View RealSystem::view() const {
    const Kernel& k = kernel::kernel;
    View v;
    v.running = running();
    v.now = arch::clock::now();
    auto add_cap = [&](std::uint64_t container, std::uint64_t index, const caps::Slot& s) {
        if (s.empty()) {
            return;
        }
        const caps::Capability& c = s.cap;
        const bool mapped = k.mapping_alive(c);
        v.caps[{container, index}] = CapView{static_cast<std::uint8_t>(c.kind),   c.object,
                                             static_cast<std::uint8_t>(c.rights), c.badge,
                                             mapped ? c.mapped_root : 0,          mapped ? c.mapped_address : 0};
        if (c.kind == ObjectKind::frame_4k) {
            const auto* w = physical_pointer<std::uint64_t>(c.object + observed_offset);
            v.memory[c.object] = Words{w[0], w[1], w[2], w[3]};
        }
        if (c.kind == ObjectKind::endpoint) {
            std::vector<int>& q = v.waiting[c.object];
            q.clear();
            for (const Tcb* t = physical_pointer<Endpoint>(c.object)->queue.head; t != nullptr; t = t->next) {
                q.push_back(thread_index(t));
            }
        }
        if (c.kind == ObjectKind::notification) {
            const auto* n = physical_pointer<Notification>(c.object);
            std::vector<int>& q = v.waiting[c.object];
            q.clear();
            for (const Tcb* t = n->waiters.head; t != nullptr; t = t->next) {
                q.push_back(thread_index(t));
            }
            v.signals[c.object] = n->word;
        }
    };
    for (unsigned c = 0; c < description_.cells; ++c) {
        for (std::uint64_t i = 0; i < slot::count; ++i) {
            add_cap(placement_.cells[c].cnode, i, cell_slot(c, i));
        }
    }
    for (unsigned i = 0; i < description_.thread_count(); ++i) {
        const Tcb& t = thread(i);
        for (unsigned s = 0; s < Tcb::slot_count; ++s) {
            add_cap(placement_.cells[i / threads_per_cell].tcb[i % threads_per_cell], s, t.slots[s]);
        }
        const arch::UserContext& r = t.context;
        v.threads.push_back(ThreadView{static_cast<std::uint8_t>(t.state),
                                       {r.rax, r.rdi, r.rsi, r.rdx, r.r8, r.r9, r.r10},
                                       thread_index(t.caller)});
    }
    return v;
}

}  // namespace septum::kernel::proofs
