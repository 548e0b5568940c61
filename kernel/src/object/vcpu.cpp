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

std::uint64_t running_vcpu = 0;  // the VCPU object in the guest, while one is

abi::VcpuPage& state_page(const Vcpu& v) {
    return *physical_pointer<abi::VcpuPage>(v.slots[Vcpu::state_page_slot].cap.object);
}

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
    arch::virt::reset(v.arch);  // a new guest memory: the hardware's state is written afresh
    return Status::ok;
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

// Everything before entry that can fail. Nothing here changes the caller's
// registers: a run restarted after a kept exit executes the same system
// call again. A run restarted after a kernel-kept exit carries on from the
// hardware's state and the registers the exit saved: the state page still
// holds what was supplied before, which the guest has moved on from.
Status prepare(Vcpu& v, const VcpuRun& run) {
    if (!arch::virt::available() || v.slots[Vcpu::guest_memory_slot].empty() ||
        v.slots[Vcpu::state_page_slot].empty()) {
        return Status::invalid_argument;
    }
    SEPTUM_TRY(arch::virt::prepare(v.arch, v.slots[Vcpu::guest_memory_slot].cap.object));
    return v.restart ? Status::ok : arch::virt::load(v.arch, state_page(v).state, run.supply, run.window);
}

}  // namespace

Result<VcpuRun> decode_vcpu_run(std::uint64_t raw_supply, std::uint64_t raw_want) {
    if ((raw_supply & ~(abi::vcpu_state::all | abi::run_interrupt_window)) != 0) {
        return Status::invalid_argument;
    }
    return VcpuRun{raw_supply & abi::vcpu_state::all, raw_want & abi::vcpu_state::all,
                   (raw_supply & abi::run_interrupt_window) != 0};
}

Status vcpu_run(Tcb& caller, std::uint64_t object, const VcpuRun& run) {
    Vcpu& v = vcpu_at(object);
    if (Notification* n = caller.bound_notification; n != nullptr && n->word != 0 && arch::virt::available()) {
        return return_signal(caller, v, *n);
    }
    if (const Status s = prepare(v, run); s != Status::ok) {
        set_message_info(caller, abi::MessageInfo{});
        return s;
    }
    const bool restarted = v.restart;
    v.restart = false;
    v.want_mask = run.want;
    running_vcpu = object;
    // Supplied registers go in straight from the state page.
    arch::virt::enter(v.arch, !restarted && (run.supply & abi::vcpu_state::gprs) != 0 ? &state_page(v).state : nullptr);
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
        case abi::Invocation::vcpu_run: {
            const Result<VcpuRun> run =
                a.has(2) ? decode_vcpu_run(a.raw(0), a.raw(1)) : Result<VcpuRun>{Status::invalid_argument};
            SEPTUM_TRY(run);
            return vcpu_run(caller, slot.cap.object, run.value());
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

bool vcpu_exited(const VcpuExit& exit) {
    Kernel& k = kernel;
    Vcpu& v = vcpu_at(running_vcpu);
    Tcb& t = *k.current;
    running_vcpu = 0;
    if (exit.kind != VcpuExit::Kind::delivered) {
        // Kept by the kernel: the interrupt is the host's (its handler has
        // run), or the guest has had its time slice. The VMM's run starts
        // again when it is next scheduled.
        if (exit.kind == VcpuExit::Kind::timer_tick) {
            k.handle_timer_tick();
        }
        t.context.rip -= syscall_instruction_length;
        v.restart = true;
        return false;
    }
    abi::VcpuPage& page = state_page(v);
    arch::virt::store_exit(page.exit);
    // The page is the VMM's: the table entry is read once, as a mask.
    const std::uint64_t by_reason =
        exit.basic_reason < abi::want_table_size
            ? *static_cast<volatile const std::uint16_t*>(&page.want_by_reason[exit.basic_reason])
            : 0;
    arch::virt::store(v.arch, page.state, (v.want_mask | by_reason) & abi::vcpu_state::all);
    set_message_info(t, abi::MessageInfo{});
    set_status(t, Status::ok);
    // Nothing became ready while the guest ran (interrupts come as kept
    // exits, above): the VMM thread carries on at once.
    return true;
}

}  // namespace septum::kernel
