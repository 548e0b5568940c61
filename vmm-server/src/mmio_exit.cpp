// EPT violations: the guest touched guest-physical memory that is not RAM.
// If a device claims the address, the instruction is fetched through the
// guest's own translation, decoded and emulated against the MMIO bus;
// anything else is refused per policy (SDM Vol. 3C 29.3.3, Table 28-7).
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/decoder.hpp>
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/paging.hpp>
#include <septum/vmm/qualification.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

constexpr std::uint64_t mask_of(unsigned bytes) {
    return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// The value a register store writes to memory.
std::uint64_t register_source(const Vcpu& vcpu, const MovInstruction& insn) {
    if (insn.kind == MovKind::store_immediate) {
        return insn.immediate;
    }
    const std::uint64_t reg = vcpu.gpr(insn.reg);
    return (insn.high_byte ? reg >> 8 : reg) & mask_of(insn.memory_size);
}

// Writes a loaded value into its destination register: 32-bit results
// zero-extend, 8- and 16-bit ones merge (SDM Vol. 1 3.4.1.1).
void load_destination(Vcpu& vcpu, const MovInstruction& insn, std::uint64_t value) {
    const std::uint64_t old = vcpu.gpr(insn.reg);
    std::uint64_t next = 0;
    if (insn.high_byte) {
        next = (old & ~std::uint64_t{0xff00}) | ((value & 0xff) << 8);
    } else if (insn.register_size >= 4) {
        next = value & mask_of(insn.register_size);
    } else {
        next = (old & ~mask_of(insn.register_size)) | (value & mask_of(insn.register_size));
    }
    vcpu.set_gpr(insn.reg, next);
}

}  // namespace

Outcome emulate_mmio(Guest& guest, Vcpu& vcpu, const GuestMemory& memory, std::uint64_t gpa, bool write) {
    const abi::VcpuState& s = vcpu.state();
    std::uint8_t bytes[x86::max_instruction_length] = {};
    Translation fault{};
    const std::uint64_t rip = (segment_base(vcpu, 1) + s.rip) & linear_mask(vcpu);
    const std::size_t fetched = read_linear(memory, vcpu, rip, bytes, sizeof bytes, Access::fetch, fault);

    const Result<MovInstruction> decoded = decode_mov(bytes, fetched, vcpu.mode());
    if (!decoded.ok()) {
        // A fetch that stopped short on a page fault is the guest's fault;
        // any other failure is one the emulator cannot get past.
        if (decoded.status() == Status::out_of_range && fault.status == Status::invalid_argument) {
            vcpu.inject_page_fault(fault.gpa, fault.pf_error);
            return Outcome::resume();
        }
        return refuse_access(guest, vcpu, StopReason::emulation_failure, gpa);
    }
    const MovInstruction& insn = decoded.value();
    const bool store = insn.kind == MovKind::store_register || insn.kind == MovKind::store_immediate;
    // The decoded instruction must be the access the hardware reported, and
    // lie within one device.
    if (store != write || !guest.mmio.claimed(gpa, insn.memory_size)) {
        return refuse_access(guest, vcpu, StopReason::emulation_failure, gpa);
    }
    Outcome outcome = Outcome::resume();
    if (store) {
        outcome = guest.mmio.write(gpa, insn.memory_size, register_source(vcpu, insn));
    } else {
        load_destination(vcpu, insn, guest.mmio.read(gpa, insn.memory_size));
    }
    vcpu.advance(insn.length);
    return outcome;
}

Outcome handle_ept_violation(Guest& guest, Vcpu& vcpu, GuestMemory& memory) {
    const EptQualification q = decode_ept(vcpu.exit().qualification);
    const std::uint64_t gpa = vcpu.exit().guest_physical;
    const bool delivering_event = x86::EventInfo{vcpu.exit().idt_vectoring_info}.valid();
    if (memory.contains(gpa, 1)) {
        // RAM is mapped with every right; a violation on it means the
        // kernel's EPT and this VMM disagree. Do not guess.
        return Outcome::stop(StopReason::unhandled_exit, static_cast<std::uint64_t>(abi::VmxExit::ept_violation));
    }
    // Executing from a device, page tables in device space, or an IDT, GDT
    // or stack there during event delivery: nothing to emulate.
    if (!guest.mmio.claimed(gpa, 1) || q.fetch || (q.linear_valid && !q.translated_access) || delivering_event) {
        return refuse_access(guest, vcpu, StopReason::unclaimed_access, gpa);
    }
    return emulate_mmio(guest, vcpu, memory, gpa, q.write);
}

Outcome refuse_access(Guest& guest, Vcpu& vcpu, StopReason reason, std::uint64_t code) {
    if (guest.policy.unclaimed == Policy::Unclaimed::inject_gp) {
        vcpu.inject_gp();
        return Outcome::resume();
    }
    return Outcome::stop(reason, code);
}

}  // namespace septum::vmm
