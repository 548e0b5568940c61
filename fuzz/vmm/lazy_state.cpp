#include "lazy_state.hpp"

#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/exit.hpp>

#include <cstring>

namespace septum::fuzz {

namespace {

namespace vs = abi::vcpu_state;

// Copies the parts in `mask` from `from` into `to`, or fills them with a
// pattern no real state has when `from` is null.
void parts(abi::VcpuState& to, const abi::VcpuState* from, std::uint64_t mask) {
    const auto copy = [&](auto& field) {
        if (from != nullptr) {
            std::memcpy(&field,
                        reinterpret_cast<const std::uint8_t*>(from) +
                            (reinterpret_cast<std::uint8_t*>(&field) - reinterpret_cast<std::uint8_t*>(&to)),
                        sizeof field);
        } else {
            std::memset(&field, 0xa5, sizeof field);
        }
    };
    if ((mask & vs::gprs) != 0) {
        copy(to.r15), copy(to.r14), copy(to.r13), copy(to.r12), copy(to.r11), copy(to.r10), copy(to.r9), copy(to.r8);
        copy(to.rbp), copy(to.rdi), copy(to.rsi), copy(to.rdx), copy(to.rcx), copy(to.rbx), copy(to.rax);
    }
    if ((mask & vs::rsp_rip_rflags) != 0) {
        copy(to.rsp), copy(to.rip), copy(to.rflags);
    }
    if ((mask & vs::control) != 0) {
        copy(to.cr0), copy(to.cr3), copy(to.cr4), copy(to.efer);
    }
    if ((mask & vs::cr2) != 0) {
        copy(to.cr2);
    }
    if ((mask & vs::segments) != 0) {
        copy(to.cs), copy(to.ds), copy(to.es), copy(to.fs), copy(to.gs), copy(to.ss), copy(to.tr), copy(to.ldtr);
    }
    if ((mask & vs::tables) != 0) {
        copy(to.gdtr), copy(to.idtr);
    }
    if ((mask & vs::interruptibility) != 0) {
        copy(to.interruptibility), copy(to.activity);
    }
    if ((mask & vs::xcr0) != 0) {
        copy(to.xcr0);
    }
    if ((mask & vs::msrs) != 0) {
        copy(to.msrs);
    }
}

constexpr std::uint64_t stored = vs::stored;  // injection is supply-only

}  // namespace

std::uint64_t LazyState::arrive(std::uint32_t reason) {
    truth_ = page_.state;
    // A signal ends the run before the guest does anything: the page is
    // current from the last exit.
    had_ = reason == abi::exit_reason_signal ? stored : vmm::state_needed(abi::ExitReason{reason}.basic()) & stored;
    parts(page_.state, nullptr, stored & ~had_);
    return had_;
}

std::uint64_t LazyState::settle(std::uint64_t dirty) {
    parts(page_.state, &truth_, stored & ~had_ & ~dirty);
    return had_;
}

bool LazyState::read(std::uint64_t mask) {
    if (source_.one_in(32)) {
        return false;  // the kernel refused (the VCPU is gone, say)
    }
    parts(page_.state, &truth_, mask & ~had_);
    had_ |= mask;
    return true;
}

}  // namespace septum::fuzz
