// The kernel as the capability library's Machine: what happens to an
// object's contents when the library creates or destroys it.
#include <cstring>

#include "kernel.hpp"
#include "object/guest_memory.hpp"
#include "object/vcpu.hpp"
#include "physical.hpp"
#include "vspace.hpp"

namespace septum::kernel {

using caps::ObjectKind;

caps::Slot* Kernel::cnode_slots(caps::PhysAddr object) { return physical_pointer<caps::Slot>(object); }

void Kernel::object_created(ObjectKind kind, caps::PhysAddr object, std::uint8_t size_bits) {
    if (kind == ObjectKind::io_port_range || kind == ObjectKind::irq_handler || kind == ObjectKind::untyped) {
        return;  // no memory to prepare (an Untyped's memory is prepared per object)
    }
    // Every object starts zeroed: no stale data crosses from its previous
    // owner, and zero is each kind's empty state.
    if (!preserve_contents) {
        std::memset(physical_pointer<void>(object), 0, std::size_t{1} << size_bits);
    }
    switch (kind) {
        case ObjectKind::tcb:
            tcb_create(physical_pointer<void>(object));
            break;
        case ObjectKind::pml4:
            arch::vspace::init_root(object);
            address_spaces.set_live(object, true);
            break;
        case ObjectKind::guest_memory:
            address_spaces.set_live(object, true);  // an empty EPT: nothing to prepare
            break;
        case ObjectKind::vcpu:
            arch::virt::created(vcpu_at(object).arch, object);
            break;
        default:
            break;
    }
}

void Kernel::object_destroyed(ObjectKind kind, caps::PhysAddr object, std::uint8_t) {
    switch (kind) {
        case ObjectKind::tcb:
            destroy_tcb(*physical_pointer<Tcb>(object));
            break;
        case ObjectKind::endpoint:
            destroy_endpoint(*physical_pointer<Endpoint>(object));
            break;
        case ObjectKind::notification:
            destroy_notification(*physical_pointer<Notification>(object));
            break;
        case ObjectKind::sched_context:
            scheduler.forget(*physical_pointer<SchedContext>(object));
            break;
        case ObjectKind::irq_handler:
            unbind_irq(static_cast<unsigned>(object));
            break;
        case ObjectKind::pml4:
        case ObjectKind::guest_memory:
            // Mappings made in this address space are dead from now on.
            address_spaces.set_live(object, false);
            break;
        case ObjectKind::vcpu:
            destroy_vcpu(object);
            break;
        default:
            break;
    }
}

// A Frame or paging-structure capability takes its mapping with it, whether
// or not other capabilities to the object remain (revoking a copy given to
// someone takes away what they mapped with it).
void Kernel::capability_deleted(const caps::Capability& cap) {
    if (!mapping_alive(cap)) {
        return;
    }
    const std::uint64_t address = cap.mapped_address & ~mapped_in_guest;
    if ((cap.mapped_address & mapped_in_guest) != 0) {
        guest_memory::unmap(cap.mapped_root, address, cap.kind, cap.object);
    } else {
        arch::vspace::unmap(cap.mapped_root, address, arch::vspace::entry_level(cap.kind), cap.object);
    }
}

void Kernel::record_mapping(caps::Capability& cap, std::uint64_t root, std::uint64_t vaddr, bool guest) const {
    cap.mapped_root = root;
    cap.mapped_address = vaddr | (guest ? mapped_in_guest : 0);
    cap.mapped_generation = address_spaces.generation(root);
}

// A VCPU's own capabilities go with it, as a TCB's do; the CPU forgets it.
void Kernel::destroy_vcpu(std::uint64_t object) {
    Vcpu& v = vcpu_at(object);
    for (caps::Slot& s : v.slots) {
        if (!s.empty()) {
            (void)authority.remove(s);
        }
    }
    arch::virt::destroyed(v.arch);
}

void Kernel::unmap(caps::Capability& cap) {
    capability_deleted(cap);
    cap.mapped_root = 0;
    cap.mapped_address = 0;
    cap.mapped_generation = 0;
}

void Kernel::destroy_tcb(Tcb& t) {
    suspend(t);
    if (t.bound_notification != nullptr) {
        t.bound_notification->bound = nullptr;
        t.bound_notification = nullptr;
    }
    if (t.sched_context != nullptr) {
        t.sched_context->bound = nullptr;
        t.sched_context = nullptr;
    }
    // The TCB's own capabilities go with it. Their objects cannot contain
    // this TCB's slots, so the nested deletes stay shallow.
    for (caps::Slot& s : t.slots) {
        if (!s.empty()) {
            (void)authority.remove(s);
        }
    }
    scheduler.forget_thread(t);
    if (current == &t) {
        current = nullptr;
    }
    if (fpu_owner == &t) {
        fpu_owner = nullptr;  // its state dies with it
    }
}

void Kernel::destroy_endpoint(Endpoint& ep) {
    // Waiting threads learn that the endpoint is gone.
    while (Tcb* t = ep.queue.pop()) {
        t->fault_pending = false;
        set_status(*t, Status::empty_slot);
        scheduler.make_ready(*t);
    }
}

void Kernel::destroy_notification(Notification& n) {
    while (Tcb* t = n.waiters.pop()) {
        set_status(*t, Status::empty_slot);
        scheduler.make_ready(*t);
    }
    if (n.bound != nullptr) {
        n.bound->bound_notification = nullptr;
        n.bound = nullptr;
    }
    for (unsigned line = 0; line < irq_lines; ++line) {
        if (irqs[line].notification == &n) {
            unbind_irq(line);
        }
    }
}

}  // namespace septum::kernel
