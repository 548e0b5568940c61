#include <septum/vmm/vcpu.hpp>

namespace septum::vmm {

namespace {

using Gpr = std::uint64_t abi::VcpuState::*;
constexpr Gpr gprs_by_encoding[16] = {
    &abi::VcpuState::rax, &abi::VcpuState::rcx, &abi::VcpuState::rdx, &abi::VcpuState::rbx,
    &abi::VcpuState::rsp, &abi::VcpuState::rbp, &abi::VcpuState::rsi, &abi::VcpuState::rdi,
    &abi::VcpuState::r8,  &abi::VcpuState::r9,  &abi::VcpuState::r10, &abi::VcpuState::r11,
    &abi::VcpuState::r12, &abi::VcpuState::r13, &abi::VcpuState::r14, &abi::VcpuState::r15,
};

}  // namespace

void Vcpu::begin_own_event() {
    dirty_ = 0;
    fetch_failed_ = false;
    interrupt_window_ = false;
}

void Vcpu::begin_exit() {
    dirty_ = 0;
    fetch_failed_ = false;
    interrupt_window_ = false;
    page_.state.inject_info = 0;
    page_.state.inject_error = 0;
    page_.state.inject_length = 0;
}

bool Vcpu::fetch(std::uint64_t mask) {
    const std::uint64_t missing = mask & ~current_ & abi::vcpu_state::stored;
    if (missing == 0) {
        return true;
    }
    if (source_ == nullptr || !source_->read(missing)) {
        fetch_failed_ = true;
        return false;
    }
    current_ |= missing;
    return true;
}

std::uint64_t Vcpu::gpr(unsigned index) const { return page_.state.*gprs_by_encoding[index & 15u]; }

void Vcpu::set_gpr(unsigned index, std::uint64_t value) {
    // rsp travels with rip and rflags, the others as the gprs block.
    mark((index & 15u) == 4 ? abi::vcpu_state::rsp_rip_rflags : abi::vcpu_state::gprs);
    page_.state.*gprs_by_encoding[index & 15u] = value;
}

CpuMode Vcpu::mode() const {
    const abi::VcpuState& s = page_.state;
    if ((s.cr0 & x86::cr0::pe) == 0) {
        return CpuMode::real;
    }
    if ((s.rflags & x86::rflags::vm) != 0) {
        return CpuMode::virtual8086;
    }
    if ((s.efer & x86::efer::lma) != 0 && (s.cs.access_rights & x86::access::l) != 0) {
        return CpuMode::long64;
    }
    return (s.cs.access_rights & x86::access::db) != 0 ? CpuMode::protected32 : CpuMode::protected16;
}

unsigned Vcpu::cpl() const { return (page_.state.ss.access_rights >> x86::access::dpl_shift) & 3u; }

void Vcpu::advance(std::uint32_t length) {
    abi::VcpuState& s = edit(abi::vcpu_state::rsp_rip_rflags);
    s.rip += length;
    // EIP/IP wraps outside 64-bit mode. Only a RIP past 4 GiB can tell, so
    // the mode (CR0, EFER, CS), which a short exit does not bring back, is
    // fetched only then (if it cannot be, handle_exit stops the guest).
    if (s.rip > 0xffffffffu && fetch(abi::vcpu_state::control | abi::vcpu_state::segments) &&
        mode() != CpuMode::long64) {
        s.rip &= 0xffffffffu;
    }
    const std::uint32_t blocking = x86::interruptibility::sti | x86::interruptibility::mov_ss;
    if ((s.interruptibility & blocking) != 0) {
        edit(abi::vcpu_state::interruptibility).interruptibility &= ~blocking;
    }
}

bool Vcpu::event_pending() const { return x86::EventInfo{page_.state.inject_info}.valid(); }

void Vcpu::inject(x86::EventType type, std::uint8_t vec) {
    if (event_pending()) {
        return;
    }
    abi::VcpuState& s = edit(abi::vcpu_state::injection);
    s.inject_info = x86::EventInfo::make(type, vec).raw;
    s.inject_error = 0;
    // Software events need the length of the instruction that raised them
    // (SDM Vol. 3C 25.8.3); others ignore it.
    s.inject_length = page_.exit.instruction_length;
}

void Vcpu::inject(x86::EventType type, std::uint8_t vec, std::uint32_t error_code) {
    if (event_pending()) {
        return;
    }
    inject(type, vec);
    // Real mode delivers no error code, and VM entry refuses one there with
    // unrestricted guest (SDM Vol. 3C 27.2.1.3). CR0 is fetched first: a
    // short exit does not bring it back (if it cannot be, handle_exit
    // stops the guest).
    if (fetch(abi::vcpu_state::control) && (page_.state.cr0 & x86::cr0::pe) != 0) {
        abi::VcpuState& s = edit(abi::vcpu_state::injection);
        s.inject_info |= x86::EventInfo::error_code_bit;
        s.inject_error = error_code;
    }
}

void Vcpu::inject_page_fault(std::uint64_t linear, std::uint32_t error_code) {
    if (event_pending()) {
        return;
    }
    edit(abi::vcpu_state::cr2).cr2 = linear;
    inject(x86::EventType::hardware_exception, vector(x86::Vector::pf), error_code);
}

bool Vcpu::interruptible() const {
    const abi::VcpuState& s = page_.state;
    const std::uint32_t blocking = x86::interruptibility::sti | x86::interruptibility::mov_ss;
    const auto activity = static_cast<x86::Activity>(s.activity);
    return (s.rflags & x86::rflags::if_) != 0 && (s.interruptibility & blocking) == 0 && !event_pending() &&
           activity != x86::Activity::shutdown && activity != x86::Activity::wait_for_sipi;
}

}  // namespace septum::vmm
