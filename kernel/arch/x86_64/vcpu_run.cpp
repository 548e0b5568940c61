// The VCPU invocations: configure, and run — the VMM thread enters its
// guest and comes back at the next exit the kernel does not keep. The
// kernel keeps external interrupts and NMIs: it handles them and the VMM's
// run is restarted (its RIP set back over SYSCALL), so the guest resumes
// unless the VMM has something else to do first (a signal on its bound
// Notification ends the run).
#include "cpu.hpp"
#include "interrupts.hpp"
#include "invocation.hpp"
#include "lapic.hpp"
#include "physical.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/abi/vmx_exit.hpp"
#include "vcpu_state.hpp"
#include "vmcs.hpp"
#include "vmx.hpp"

extern "C" bool vm_enter(const septum::arch::vcpu::GuestGprs* gprs, bool launched);

namespace septum::kernel {

namespace {

using arch::vcpu::Vcpu;
using caps::ObjectKind;

constexpr std::uint64_t syscall_length = 2;
constexpr std::uint32_t entry_failure = 1u << 31;
constexpr std::uint32_t interruption_type_nmi = 2;

std::uint64_t running_vcpu = 0;  // the VCPU object in the guest, while one is

abi::VcpuPage& state_page(const Vcpu& v) {
    return *physical_pointer<abi::VcpuPage>(v.slots[Vcpu::state_page_slot].cap.object);
}

Status configure(Kernel& k, const Tcb& caller, Vcpu& v, const Arguments& a) {
    if (!a.has(2)) {
        return Status::invalid_argument;
    }
    Status error = Status::ok;
    caps::Slot* memory = lookup(k, caller, a[0], error);
    caps::Slot* page = memory != nullptr ? lookup(k, caller, a[1], error) : nullptr;
    if (page == nullptr) {
        return error;
    }
    if (memory->cap.kind != ObjectKind::guest_memory || page->cap.kind != ObjectKind::frame_4k) {
        return Status::wrong_kind;
    }
    if (!caps::is_subset(caps::Rights::read | caps::Rights::write, page->cap.rights)) {
        return Status::insufficient_rights;
    }
    for (caps::Slot& s : v.slots) {
        if (!s.empty()) {
            (void)k.authority.remove(s);
        }
    }
    SEPTUM_TRY(k.authority.copy(*memory, v.slots[Vcpu::guest_memory_slot]));
    SEPTUM_TRY(k.authority.copy(*page, v.slots[Vcpu::state_page_slot]));
    v.initialised = false;  // the EPT pointer changes: write the VMCS afresh
    v.launched = false;
    return Status::ok;
}

// Returns from run with a signal instead of entering the guest.
Status return_signal(Tcb& caller, Vcpu& v, Notification& n) {
    state_page(v).exit = abi::ExitInfo{};
    state_page(v).exit.reason = abi::exit_reason_signal;
    caller.context.rdi = n.word;
    n.word = 0;
    return Status::ok;
}

}  // namespace

namespace {

// Everything before entry that can fail. Nothing here changes the
// caller's registers: a run restarted after a kept exit executes the same
// system call again.
Status prepare(Vcpu& v, std::uint64_t object) {
    if (!arch::vmx_active) {
        return Status::invalid_argument;  // no VT-x on this machine
    }
    if (v.slots[Vcpu::guest_memory_slot].empty() || v.slots[Vcpu::state_page_slot].empty()) {
        return Status::invalid_argument;
    }
    if (!arch::vcpu::make_current(object)) {
        return Status::invalid_argument;
    }
    if (!v.initialised) {
        SEPTUM_TRY(arch::vcpu::initialise(v, v.slots[Vcpu::guest_memory_slot].cap.object));
    }
    arch::vcpu::write_host_state(v);
    return Status::ok;
}

}  // namespace

// Also the IPC fast path's entry for a VMM's run (fastpath.cpp). Returns
// only when the guest was not entered; then the reply's message info is set.
Status vcpu_run(Tcb& caller, std::uint64_t object, std::uint64_t supply, std::uint64_t want) {
    Vcpu& v = arch::vcpu::at(object);
    if (Notification* n = caller.bound_notification; n != nullptr && n->word != 0 && arch::vmx_active) {
        v.restart = false;
        set_message_info(caller, abi::MessageInfo{});
        return return_signal(caller, v, *n);
    }
    const Status prepared = prepare(v, object);
    // A run restarted after a kernel-kept exit carries on from the VMCS and
    // the registers the exit saved: the state page still holds what was
    // supplied before, which the guest has moved on from.
    const bool restarted = v.restart;
    // The interrupt-window request is checked with the state, before
    // anything is written, and takes effect after it.
    const bool window = (supply & abi::run_interrupt_window) != 0;
    supply &= ~abi::run_interrupt_window;
    Status loaded = prepared;
    if (loaded == Status::ok && !restarted) {
        loaded =
            window && !v.window_allowed ? Status::invalid_argument : arch::vcpu::load(v, state_page(v).state, supply);
        loaded = loaded == Status::ok ? arch::vcpu::set_interrupt_window(v, window) : loaded;
    }
    if (loaded != Status::ok) {
        set_message_info(caller, abi::MessageInfo{});
        return loaded;
    }
    v.restart = false;
    v.want_mask = want & abi::vcpu_state::all;
    running_vcpu = object;
    // Supplied registers go in straight from the state page, whose
    // VcpuState starts with them in GuestGprs order.
    const auto* gprs = !restarted && (supply & abi::vcpu_state::gprs) != 0
                           ? reinterpret_cast<const arch::vcpu::GuestGprs*>(&state_page(v).state)
                           : &v.gprs;
    vm_enter(gprs, v.launched);  // returns only if the entry instruction failed
    running_vcpu = 0;
    set_message_word(caller, 0, arch::vmcs::vmread(arch::vmcs::Field::instruction_error));
    set_message_info(caller, abi::MessageInfo{0, 1, 0});
    return Status::invalid_argument;
}

namespace {

// More of the state of the exit the VMM is handling. Only between runs:
// the VMCS is the VCPU's, loaded (made current) here if another was.
Status read_state(Vcpu& v, std::uint64_t object, std::uint64_t want) {
    if (!arch::vmx_active || !v.initialised || v.slots[Vcpu::state_page_slot].empty()) {
        return Status::invalid_argument;
    }
    if ((want & ~abi::vcpu_state::all) != 0) {
        return Status::invalid_argument;
    }
    if (!arch::vcpu::make_current(object)) {
        return Status::invalid_argument;
    }
    arch::vcpu::store(v, state_page(v).state, want);
    return Status::ok;
}

}  // namespace

Status invoke_vcpu(Kernel& k, Tcb& caller, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    switch (op) {
        case abi::Invocation::vcpu_read_state:
            return a.has(1) ? read_state(arch::vcpu::at(slot.cap.object), slot.cap.object, a[0])
                            : Status::invalid_argument;
        case abi::Invocation::vcpu_configure:
            return configure(k, caller, arch::vcpu::at(slot.cap.object), a);
        case abi::Invocation::vcpu_run:
            return a.has(2) ? vcpu_run(caller, slot.cap.object, a[0], a[1]) : Status::invalid_argument;
        default:
            return Status::invalid_argument;
    }
}

}  // namespace septum::kernel

using namespace septum;
using namespace septum::kernel;

// vm_enter's failure path lands here with the failed instruction's RFLAGS,
// on a fresh kernel stack: the run returns an error to the VMM.
extern "C" [[noreturn]] void vmentry_failed(std::uint64_t) {
    Tcb& t = *septum::kernel::kernel.current;
    running_vcpu = 0;
    set_message_word(t, 0, arch::vmcs::vmread(arch::vmcs::Field::instruction_error));
    set_message_info(t, abi::MessageInfo{0, 1, 0});
    set_status(t, Status::invalid_argument);
    start_user_space();
}

// Every VM exit, on the kernel stack, the guest registers pushed into the
// VCPU's register area (vmx_entry.S).
extern "C" [[noreturn]] void vmexit_dispatch(const arch::vcpu::GuestGprs*) {
    Kernel& k = septum::kernel::kernel;
    Vcpu& v = arch::vcpu::at(running_vcpu);
    Tcb& t = *k.current;
    running_vcpu = 0;
    const auto reason = static_cast<std::uint32_t>(arch::vmcs::vmread(arch::vmcs::Field::exit_reason));
    if ((reason & entry_failure) == 0) {
        v.launched = true;
    }
    const std::uint32_t basic = reason & 0xffff;
    const auto info = static_cast<std::uint32_t>(arch::vmcs::vmread(arch::vmcs::Field::exit_interruption_info));
    const bool nmi = basic == static_cast<std::uint32_t>(abi::VmxExit::exception_or_nmi) &&
                     ((info >> 8) & 7) == interruption_type_nmi;
    const bool preempted = basic == static_cast<std::uint32_t>(abi::VmxExit::preemption_timer);
    if (basic == static_cast<std::uint32_t>(abi::VmxExit::external_interrupt) || nmi || preempted) {
        // Kept by the kernel: the interrupt is the host's, or the guest has
        // had its quantum (pending host interrupts are taken on the way
        // back). The VMM's run starts again when it is next scheduled.
        if (!nmi && !preempted) {
            const auto vector = static_cast<std::uint8_t>(info & 0xff);
            arch::run_handler(vector);
            if (vector == arch::lapic::timer_vector) {
                k.handle_timer_tick();
            }
        }
        t.context.rip -= syscall_length;
        v.restart = true;
        start_user_space();
    }
    abi::VcpuPage& page = state_page(v);
    arch::vcpu::store_exit(page.exit);
    // The page is the VMM's: the table entry is read once, as a mask.
    const std::uint64_t by_reason =
        basic < abi::want_table_size ? *static_cast<volatile const std::uint16_t*>(&page.want_by_reason[basic]) : 0;
    arch::vcpu::store(v, page.state, (v.want_mask | by_reason) & abi::vcpu_state::all);
    set_message_info(t, abi::MessageInfo{});
    set_status(t, Status::ok);
    // Nothing became ready while the guest ran (interrupts come as kept
    // exits, above): the VMM thread carries on at once.
    resume(t);
}
