// The VCPU invocations: configure, run and read_state. In a run the VMM
// thread enters its guest and comes back at the next exit the kernel does
// not keep. The kernel keeps the host's interrupts and NMIs and the end of
// the guest's time slice: it handles them and the VMM's run is restarted
// (its RIP set back over SYSCALL), so the guest resumes unless the VMM has
// something else to do first (a signal on its bound Notification ends the
// run).
#include "object/vcpu.hpp"

#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

using caps::ObjectKind;

// --- configure -----------------------------------------------------------------

struct Configure {
    caps::Slot* memory;  // a GuestMemory
    caps::Slot* page;    // a 4 KiB Frame, readable and writable
};

Result<Configure> decode_configure(Kernel& k, const Tcb& caller, const Arguments& a) {
    if (!a.has(2)) {
        return Status::invalid_argument;
    }
    const Result<caps::Slot*> found_memory = caller_capability(k, caller, a.raw(0));
    SEPTUM_TRY(found_memory);
    const Result<caps::Slot*> found_page = caller_capability(k, caller, a.raw(1));
    SEPTUM_TRY(found_page);
    caps::Slot* memory = found_memory.value();
    caps::Slot* page = found_page.value();
    if (memory->cap.kind != ObjectKind::guest_memory || page->cap.kind != ObjectKind::frame_4k) {
        return Status::wrong_kind;
    }
    if (!caps::is_subset(caps::Rights::read | caps::Rights::write, page->cap.rights)) {
        return Status::insufficient_rights;
    }
    return Configure{memory, page};
}

Status configure(Kernel& k, Vcpu& v, const Configure& c) {
    for (caps::Slot& s : v.slots) {
        if (!s.empty()) {
            (void)k.authority.remove(s);
        }
    }
    // Copies of a GuestMemory and a Frame into empty slots: they cannot
    // fail, and would report a broken derivation tree if they did.
    SEPTUM_TRY(k.authority.copy(*c.memory, v.slots[Vcpu::guest_memory_slot]));
    SEPTUM_TRY(k.authority.copy(*c.page, v.slots[Vcpu::state_page_slot]));
    arch::virt::set_apic(v.arch, 0, 0, 0);  // its frames went with the slots
    arch::virt::reset(v.arch);              // a new guest memory: the hardware's state is written afresh
    return Status::ok;
}

// --- configure_apic --------------------------------------------------------------

struct ConfigureApic {
    std::uint32_t features;    // abi::apic_virt, checked
    caps::Slot* virtual_apic;  // a 4 KiB Frame, readable and writable (with tpr_shadow)
    caps::Slot* apic_access;   // likewise (with apic_accesses)
};

// A Frame for the VMCS: 4 KiB, readable and writable.
Result<caps::Slot*> apic_frame(Kernel& k, const Tcb& caller, std::uint64_t raw_address) {
    const Result<caps::Slot*> found = caller_capability(k, caller, raw_address);
    SEPTUM_TRY(found);
    caps::Slot* frame = found.value();
    if (frame->cap.kind != ObjectKind::frame_4k) {
        return Status::wrong_kind;
    }
    if (!caps::is_subset(caps::Rights::read | caps::Rights::write, frame->cap.rights)) {
        return Status::insufficient_rights;
    }
    return frame;
}

Result<ConfigureApic> decode_configure_apic(Kernel& k, const Tcb& caller, const Vcpu& v, const Arguments& a) {
    if (!a.has(3) || v.slots[Vcpu::state_page_slot].empty()) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_features = a.raw(2);
    if (raw_features > abi::apic_virt::all || !abi::apic_virt::valid(static_cast<std::uint32_t>(raw_features)) ||
        (raw_features & ~std::uint64_t{arch::virt::apic_offered()}) != 0) {
        return Status::invalid_argument;
    }
    ConfigureApic c{static_cast<std::uint32_t>(raw_features), nullptr, nullptr};
    if ((c.features & abi::apic_virt::tpr_shadow) != 0) {
        const Result<caps::Slot*> page = apic_frame(k, caller, a.raw(0));
        SEPTUM_TRY(page);
        c.virtual_apic = page.value();
    }
    if ((c.features & abi::apic_virt::apic_accesses) != 0) {
        const Result<caps::Slot*> page = apic_frame(k, caller, a.raw(1));
        SEPTUM_TRY(page);
        c.apic_access = page.value();
    }
    return c;
}

Status configure_apic(Kernel& k, Tcb& caller, Vcpu& v, const ConfigureApic& c) {
    for (const Vcpu::SlotIndex i : {Vcpu::virtual_apic_slot, Vcpu::apic_access_slot}) {
        if (!v.slots[i].empty()) {
            (void)k.authority.remove(v.slots[i]);
        }
    }
    // Copies of Frames into empty slots, as configure's.
    if (c.virtual_apic != nullptr) {
        SEPTUM_TRY(k.authority.copy(*c.virtual_apic, v.slots[Vcpu::virtual_apic_slot]));
    }
    if (c.apic_access != nullptr) {
        SEPTUM_TRY(k.authority.copy(*c.apic_access, v.slots[Vcpu::apic_access_slot]));
    }
    arch::virt::set_apic(v.arch, c.features, c.virtual_apic != nullptr ? c.virtual_apic->cap.object : 0,
                         c.apic_access != nullptr ? c.apic_access->cap.object : 0);
    set_message_word(caller, 0, arch::virt::apic_offered());
    set_message_info(caller, abi::MessageInfo{0, 1, 0});
    return Status::ok;
}

// Whether the VCPU holds every frame its APIC virtualization names.
bool holds_apic_frames(const Vcpu& v) {
    const std::uint32_t f = arch::virt::apic_features(v.arch);
    return ((f & abi::apic_virt::tpr_shadow) == 0 || !v.slots[Vcpu::virtual_apic_slot].empty()) &&
           ((f & abi::apic_virt::apic_accesses) == 0 || !v.slots[Vcpu::apic_access_slot].empty());
}

// --- read_state ----------------------------------------------------------------

// More of the state of the exit the VMM is handling: only between runs,
// of a VCPU that has run.
Result<std::uint64_t> decode_read_state(const Vcpu& v, const Arguments& a) {
    if (!a.has(1) || !arch::virt::available() || v.slots[Vcpu::state_page_slot].empty()) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_want = a.raw(0);
    if ((raw_want & ~abi::vcpu_state::all) != 0) {
        return Status::invalid_argument;
    }
    return raw_want;
}

Status read_state(const Vcpu& v, std::uint64_t want) {
    if (!arch::virt::can_store(v.arch)) {
        return Status::invalid_argument;  // it has not run yet (or the CPU refused its VMCS)
    }
    arch::virt::store(v.arch, state_page(v).state, want);
    return Status::ok;
}

// --- run -------------------------------------------------------------------------

// Returns from run with a signal instead of entering the guest.
Status return_signal(Tcb& caller, Vcpu& v, Notification& n) {
    v.restart = false;
    set_message_info(caller, abi::MessageInfo{});
    state_page(v).exit = abi::ExitInfo{};
    state_page(v).exit.reason = abi::exit_reason_signal;
    caller.context.rdi = n.word;
    n.word = 0;
    return Status::ok;
}

// Returns from run at the VMM's deadline without entering the guest. If a
// kept exit interrupted the run, the guest has moved on from the state
// page: what the VMM wants is stored, as at an exit.
Status return_deadline(Tcb& caller, Vcpu& v, const VcpuRun& run) {
    abi::VcpuPage& page = state_page(v);
    if (v.restart && arch::virt::can_store(v.arch)) {
        arch::virt::store(v.arch, page.state, run.want);
    }
    v.restart = false;
    set_message_info(caller, abi::MessageInfo{});
    page.exit = abi::ExitInfo{};
    page.exit.reason = abi::exit_reason_deadline;
    return Status::ok;
}

// The guest is halted: the VMM thread waits on its bound Notification
// (which it must have) until a signal or the deadline, using no CPU; then
// its run call executes again and returns one or the other.
Status wait_halted(Tcb& caller, const VcpuRun& run) {
    if (caller.bound_notification == nullptr) {
        return Status::invalid_argument;
    }
    kernel.halt(caller, run.deadline);
    return Status::preempted;
}

}  // namespace

// Everything before the entry that can fail is done first; nothing there
// changes the caller's registers, so a run restarted after a kept exit
// executes the same system call again. A restarted run carries on from the
// hardware's state and the registers the exit saved: the state page still
// holds what was supplied before, which the guest has moved on from.
// Otherwise the supply is taken before anything else, whatever the run
// then does.
Status vcpu_run(Tcb& caller, std::uint64_t object, VcpuRun run) {
    Vcpu& v = vcpu_at(object);
    if (!arch::virt::available() || v.slots[Vcpu::guest_memory_slot].empty() ||
        v.slots[Vcpu::state_page_slot].empty() || !holds_apic_frames(v)) {
        set_message_info(caller, abi::MessageInfo{});
        return Status::invalid_argument;
    }
    // What the VMM supplied goes into the VCPU first, also when the run
    // then returns a signal, its deadline or waits for a halted guest
    // without entering: a run never leaves its supply behind, so the VMM
    // supplies each change once (a re-executed run loads the same again).
    // A run restarted after a kept exit supplied at its first attempt.
    Status s = arch::virt::prepare(v.arch, v.slots[Vcpu::guest_memory_slot].cap.object);
    if (s == Status::ok && !v.restart) {
        const abi::VcpuState& state = state_page(v).state;
        s = arch::virt::load(v.arch, state, run.parts(), run.window());
        if (s == Status::ok && (run.parts() & abi::vcpu_state::gprs) != 0) {
            arch::virt::take_gprs(v.arch, state);
        }
    }
    if (s != Status::ok) {
        set_message_info(caller, abi::MessageInfo{});
        return s;
    }
    if (Notification* n = caller.bound_notification; n != nullptr && n->word != 0) {
        return return_signal(caller, v, *n);
    }
    if (run.deadline != 0 && arch::clock::now() >= run.deadline) {
        return return_deadline(caller, v, run);
    }
    if (run.halted()) {
        return wait_halted(caller, run);
    }
    v.restart = false;
    v.want_mask = run.want;
    v.deadline = run.deadline;
    running_vcpu = object;
    // The guest runs until the scheduler's deadline or the VMM's.
    const std::uint64_t until = kernel.scheduler.deadline();
    arch::virt::enter(v.arch, run.deadline != 0 && run.deadline < until ? run.deadline : until);
}

Status vcpu_invocation(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    Vcpu& v = vcpu_at(slot.cap.object);
    switch (op) {
        case abi::Invocation::vcpu_read_state: {
            const Result<std::uint64_t> want = decode_read_state(v, a);
            SEPTUM_TRY(want);
            return read_state(v, want.value());
        }
        case abi::Invocation::vcpu_configure: {
            const Result<Configure> c = decode_configure(k, caller, a);
            SEPTUM_TRY(c);
            return configure(k, v, c.value());
        }
        case abi::Invocation::vcpu_configure_apic: {
            const Result<ConfigureApic> c = decode_configure_apic(k, caller, v, a);
            SEPTUM_TRY(c);
            return configure_apic(k, caller, v, c.value());
        }
        case abi::Invocation::vcpu_run: {
            VcpuRun run{};
            SEPTUM_TRY(a.has(2) ? decode_vcpu_run(a.raw(0), a.raw(1), a.has(3) ? a.raw(2) : 0, run)
                                : Status::invalid_argument);
            return vcpu_run(caller, slot.cap.object, run);
        }
        default:
            return Status::invalid_argument;
    }
}

void vcpu_entry_failed(std::uint64_t instruction_error) {
    Tcb& t = *kernel.current;
    running_vcpu = 0;
    set_message_word(t, 0, instruction_error);
    set_message_info(t, abi::MessageInfo{0, 1, 0});
    set_status(t, Status::invalid_argument);
}

}  // namespace septum::kernel
