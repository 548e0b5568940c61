#include "sim_system.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "layout.hpp"
#include "physical.hpp"
#include "septum/caps/mdb.hpp"

namespace septum::kernel::sim {

namespace {
// One block for the life of the process: a fuzzer makes a system per
// input, and a fresh allocation each time would dominate its speed.
std::uint8_t* simulated_memory() {
    static std::uint8_t* block = static_cast<std::uint8_t*>(std::aligned_alloc(1u << 21, max_memory_bytes));
    return block;
}
}  // namespace

SimSystem::SimSystem(std::uint64_t memory_bytes) {
    if (memory_bytes > max_memory_bytes || memory_bytes < default_memory_bytes) {
        std::fprintf(stderr, "SimSystem: memory_bytes outside [default_memory_bytes, max_memory_bytes]\n");
        std::abort();
    }
    memory_ = simulated_memory();
    std::memset(memory_, 0xa5, memory_bytes);  // stale contents, as real memory has
    arch::sim::memory = memory_;
    arch::sim::memory_size = memory_bytes;
    std::destroy_at(&kernel::kernel);
    std::construct_at(&kernel::kernel);
    arch::clock::sim::tsc = 0;
    arch::clock::sim::armed = kernel::Scheduler::never;
    Kernel& k = kernel::kernel;
    const std::uint64_t mapping_frames = memory_bytes >> 12;
    generations_ = std::make_unique<std::uint32_t[]>(mapping_frames);
    k.address_spaces.init(generations_.get(), mapping_frames);

    // The root CNode holds its own capability: clear it before placing.
    const std::uint8_t cnode_bits = root_radix + caps::slot_bits;
    const std::uint64_t cnode = next_free_;
    next_free_ += std::uint64_t{1} << cnode_bits;
    std::memset(memory_ + cnode, 0, std::uint64_t{1} << cnode_bits);
    caps::Capability c = caps::capability_for_new_object(caps::ObjectKind::cnode, cnode, cnode_bits);
    c.guard_bits = 64 - root_radix;
    (void)k.authority.create_initial(k.cnode_slots(cnode)[slot_cnode], c);

    place(caps::ObjectKind::untyped, untyped_bits, slot_untyped);
    place(caps::ObjectKind::pml4, 12, slot_vspace);
    place(caps::ObjectKind::endpoint, 4, slot_endpoint);
    place(caps::ObjectKind::notification, 5, slot_notification);
    place(caps::ObjectKind::sched_context, 8, slot_sched_context);
    caps::Capability ports = caps::capability_for_new_object(caps::ObjectKind::io_port_range, 0x3f8, 0);
    ports.last_port = 0x3ff;
    (void)k.authority.create_initial(slot(slot_ports), ports);
    (void)k.authority.create_initial(slot(slot_irq),
                                     caps::capability_for_new_object(caps::ObjectKind::irq_handler, 4, 0));
    for (unsigned i = 0; i < thread_count; ++i) {
        const std::uint64_t tcb = place(caps::ObjectKind::tcb, 11, slot_tcb_base + i);
        place(caps::ObjectKind::frame_4k, 12, slot_ipc_buffer_base + i);
        Tcb& t = *physical_pointer<Tcb>(tcb);
        threads_[i] = &t;
        (void)k.authority.copy(slot(slot_cnode), t.slots[Tcb::cspace_slot]);
        (void)k.authority.copy(slot(slot_vspace), t.slots[Tcb::vspace_slot]);
        (void)k.authority.copy(slot(slot_ipc_buffer_base + i), t.slots[Tcb::ipc_buffer_slot]);
        t.ipc_buffer_address = ipc_buffer_address + i * 4096;
        t.priority = static_cast<std::uint8_t>(100 + i);
        t.context.rip = 0x400000;
        k.scheduler.make_ready(t);
    }
    k.schedule();
}

void SimSystem::advance(std::uint64_t microseconds) {
    arch::clock::sim::tsc += microseconds;  // 1 MHz: a cycle is a microsecond
    kernel::kernel.handle_time_event();
}

SimSystem::~SimSystem() {
    arch::sim::memory = nullptr;
    arch::sim::memory_size = 0;
}

Kernel& SimSystem::kernel() { return kernel::kernel; }

caps::Slot& SimSystem::slot(std::uint64_t index) {
    const std::uint64_t cnode = 0x100000;
    return kernel::kernel.cnode_slots(cnode)[index];
}

std::uint64_t SimSystem::place(caps::ObjectKind kind, std::uint8_t size_bits, std::uint64_t slot_index) {
    const std::uint64_t size = std::uint64_t{1} << size_bits;
    next_free_ = (next_free_ + size - 1) & ~(size - 1);
    const std::uint64_t phys = next_free_;
    next_free_ += size;
    if (next_free_ > arch::sim::memory_size) {
        std::fprintf(stderr, "SimSystem::place: out of simulated memory\n");
        std::abort();
    }
    (void)kernel::kernel.authority.create_initial(slot(slot_index),
                                                  caps::capability_for_new_object(kind, phys, size_bits));
    return phys;
}

Result SimSystem::result_of(const Tcb& t) {
    return Result{static_cast<Status>(t.context.rax),
                  t.context.rdi,
                  abi::MessageInfo::decode(t.context.rsi),
                  {t.context.rdx, t.context.r8, t.context.r9, t.context.r10}};
}

Result SimSystem::syscall(Tcb& t, abi::Syscall number, std::uint64_t cptr, abi::MessageInfo info,
                          std::initializer_list<std::uint64_t> words) {
    Kernel& k = kernel::kernel;
    t.context.rax = static_cast<std::uint64_t>(number);
    t.context.rdi = cptr;
    t.context.rsi = info.encode();
    unsigned i = 0;
    for (std::uint64_t w : words) {
        set_message_word(t, i++, w);
    }
    if (k.current != &t) {
        std::fprintf(stderr, "SimSystem::syscall: only the running thread can make a syscall\n");
        std::abort();
    }
    t.context.rip += 2;  // past the SYSCALL instruction, as the CPU leaves it
    k.handle_syscall();
    k.schedule();  // as the kernel's run loop does before returning to user mode
    return result_of(t);
}

}  // namespace septum::kernel::sim
