// The handlers' view of one virtual CPU: the state page the kernel's "run"
// call fills (abi::VcpuPage) and the mask of state the handlers changed,
// which the VMM supplies back at the next run (state moves by mask, both
// ways). The same class serves the real VMM and host tests and fuzzers, who
// build a VcpuPage in memory.
#pragma once

#include <septum/abi/vcpu.hpp>

#include <cstdint>

#include "x86.hpp"

namespace septum::vmm {

// Where more of an exit's state comes from when a handler needs more than
// the exit brought back: in the VMM program, the kernel's vcpu_read_state.
class StateSource {
public:
    // Stores the parts in `mask` (abi::vcpu_state) into the state page.
    virtual bool read(std::uint64_t mask) = 0;

protected:
    StateSource() = default;
    StateSource(const StateSource&) = default;
    StateSource& operator=(const StateSource&) = default;
    ~StateSource() = default;
};

// Operand and address width of the code the guest runs (SDM Vol. 1 3.6).
enum class CpuMode : std::uint8_t { real, virtual8086, protected16, protected32, long64 };

class Vcpu {
public:
    explicit Vcpu(abi::VcpuPage& page) : page_{page} {}

    [[nodiscard]] const abi::VcpuState& state() const { return page_.state; }
    [[nodiscard]] const abi::ExitInfo& exit() const { return page_.exit; }

    // Writable state; `mask` (abi::vcpu_state) names what the caller changes
    // so the VMM hands exactly that back to the kernel.
    [[nodiscard]] abi::VcpuState& edit(std::uint64_t mask) {
        dirty_ |= mask;
        return page_.state;
    }
    void mark(std::uint64_t mask) { dirty_ |= mask; }
    [[nodiscard]] std::uint64_t dirty() const { return dirty_; }

    // Starts the handling of a new exit: nothing changed yet, and the event
    // the last run supplied (injection is supply-only) is gone.
    void begin_exit();
    // Starts the handling of a run that ended on a signal or the VMM's
    // deadline. The kernel took what the run supplied, but the guest may
    // not have run since (an event to inject may still wait in the VCPU):
    // the injection the run supplied stays shown as pending, so no other
    // event replaces it before the next exit of the guest's own.
    void begin_own_event();

    // General registers by their instruction encoding (0 rax, 1 rcx, 2 rdx,
    // 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15); index is masked.
    [[nodiscard]] std::uint64_t gpr(unsigned index) const;
    void set_gpr(unsigned index, std::uint64_t value);

    [[nodiscard]] CpuMode mode() const;
    [[nodiscard]] unsigned cpl() const;  // SS.DPL (SDM Vol. 3C 25.4.1)

    // Completes the exiting instruction: RIP past it, and blocking by STI or
    // MOV SS ends with it (SDM Vol. 3C 27.3.1.5).
    void skip_instruction() { advance(page_.exit.instruction_length); }
    // The same for an instruction the VMM decoded itself (the exit's
    // instruction length is undefined for EPT violations, SDM Vol. 3C 28.2.5).
    void advance(std::uint32_t length);

    // Event injection at the next entry (SDM Vol. 3C 27.6). A fault leaves
    // RIP on the faulting instruction. At most one event: a second request
    // while one is set is dropped, and `event_pending()` tells.
    [[nodiscard]] bool event_pending() const;
    void inject(x86::EventType type, std::uint8_t vector);
    void inject(x86::EventType type, std::uint8_t vector, std::uint32_t error_code);
    void inject_gp() { inject(x86::EventType::hardware_exception, vector(x86::Vector::gp), 0); }
    void inject_ud() { inject(x86::EventType::hardware_exception, vector(x86::Vector::ud)); }
    void inject_page_fault(std::uint64_t linear, std::uint32_t error_code);
    void inject_external_interrupt(std::uint8_t vec) { inject(x86::EventType::external_interrupt, vec); }

    // Whether the guest can take an external interrupt now (SDM Vol. 3C
    // 27.6.1: RFLAGS.IF, no STI or MOV-SS blocking, no other event).
    [[nodiscard]] bool interruptible() const;

    // The VMM wants an exit as soon as the guest can take an interrupt
    // (abi::run_interrupt_window in the next run's supply mask).
    [[nodiscard]] bool interrupt_window_wanted() const { return interrupt_window_; }
    void want_interrupt_window(bool on) { interrupt_window_ = on; }

    static constexpr std::uint8_t vector(x86::Vector v) { return static_cast<std::uint8_t>(v); }

    // The parts of the state page that hold this exit's state: what the
    // kernel stored at the exit (by default, as in tests and fuzzers, all
    // of it). Parts outside it are an older exit's.
    void arrived(std::uint64_t mask) { current_ = mask; }
    void set_source(StateSource* source) { source_ = source; }
    // Makes the parts in `mask` current, reading what is missing from the
    // source; false if it cannot. A handler fetches before it reads or
    // edits a part its exit may not have brought (state_needed in exit.hpp).
    [[nodiscard]] bool fetch(std::uint64_t mask);
    // A fetch of this exit failed: what was decided without the state is a
    // guess, and handle_exit stops the guest rather than resume on it.
    [[nodiscard]] bool fetch_failed() const { return fetch_failed_; }

private:
    abi::VcpuPage& page_;
    std::uint64_t dirty_ = 0;
    std::uint64_t current_ = abi::vcpu_state::all;
    StateSource* source_ = nullptr;
    bool fetch_failed_ = false;
    bool interrupt_window_ = false;
};

}  // namespace septum::vmm
