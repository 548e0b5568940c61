// Port I/O: IN and OUT against the port bus, and their string forms INS
// and OUTS with or without REP, through the guest's segments and page
// tables (SDM Vol. 2B INS/OUTS; Vol. 3C Tables 28-5 and 28-8).
#include <septum/vmm/handlers.hpp>
#include <septum/vmm/paging.hpp>
#include <septum/vmm/qualification.hpp>
#include <septum/vmm/x86.hpp>

namespace septum::vmm {

namespace {

// Elements moved per exit: a long REP stops here with RIP unchanged and
// RCX counting what is left, as an interrupted REP does, so the guest
// re-executes it and one exit stays short.
constexpr std::uint64_t max_elements_per_exit = 1024;

constexpr std::uint64_t mask_of(unsigned bytes) {
    return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

// Writes the low `bytes` of a register the way an instruction with that
// operand or address size does: 32-bit results zero-extend, narrower ones
// merge (SDM Vol. 1 3.4.1.1).
std::uint64_t merge(std::uint64_t old, std::uint64_t value, unsigned bytes) {
    if (bytes >= 4) {
        return value & mask_of(bytes);
    }
    return (old & ~mask_of(bytes)) | (value & mask_of(bytes));
}

Outcome port_in_out(Guest& guest, Vcpu& vcpu, const IoQualification& io) {
    Outcome outcome = Outcome::resume();
    if (io.in) {
        vcpu.set_gpr(0, merge(vcpu.state().rax, guest.ports.read(io.port, io.size), io.size));
    } else {
        outcome = guest.ports.write(io.port, io.size, vcpu.state().rax);
    }
    vcpu.skip_instruction();
    return outcome;
}

Outcome string_io(Guest& guest, Vcpu& vcpu, GuestMemory& memory, const IoQualification& io) {
    // The memory operand goes through the segments, which a port-I/O exit
    // does not bring back (state_needed): only string I/O reads them.
    if (!vcpu.fetch(abi::vcpu_state::segments)) {
        return Outcome::stop(StopReason::emulation_failure, vcpu.exit().reason);
    }
    const StringIoInfo info = decode_string_io(vcpu.exit().instruction_info);
    const std::uint64_t amask = mask_of(info.address_size);
    const unsigned index_reg = io.in ? 7 : 6;  // RDI for INS, RSI for OUTS
    const std::uint64_t base = segment_base(vcpu, io.in ? 0 : info.segment);
    const bool down = (vcpu.state().rflags & x86::rflags::df) != 0;

    std::uint64_t count = io.rep ? vcpu.state().rcx & amask : 1;
    std::uint64_t moved = 0;
    Outcome outcome = Outcome::resume();
    while (count > 0 && moved < max_elements_per_exit && outcome.action == Action::resume) {
        const std::uint64_t index = vcpu.gpr(index_reg);
        const std::uint64_t linear = (base + (index & amask)) & linear_mask(vcpu);
        std::uint8_t data[4] = {};
        Translation fault{};
        if (io.in) {
            const std::uint64_t value = guest.ports.read(io.port, io.size);
            for (unsigned i = 0; i < io.size; ++i) {
                data[i] = static_cast<std::uint8_t>(value >> (8 * i));
            }
            write_linear(memory, vcpu, linear, data, io.size, fault);
        } else {
            read_linear(memory, vcpu, linear, data, io.size, Access::read, fault);
        }
        if (fault.status == Status::invalid_argument) {
            vcpu.inject_page_fault(fault.gpa, fault.pf_error);
            return Outcome::resume();  // RIP stays; registers show the progress so far
        }
        if (fault.status != Status::ok) {
            return refuse_access(guest, vcpu, StopReason::unclaimed_access, fault.gpa);
        }
        if (!io.in) {
            std::uint64_t value = 0;
            for (unsigned i = 0; i < io.size; ++i) {
                value |= static_cast<std::uint64_t>(data[i]) << (8 * i);
            }
            outcome = guest.ports.write(io.port, io.size, value);
        }
        const std::uint64_t next = down ? index - io.size : index + io.size;
        vcpu.set_gpr(index_reg, merge(index, next, info.address_size));
        --count;
        ++moved;
        if (io.rep) {
            vcpu.set_gpr(1, merge(vcpu.state().rcx, count, info.address_size));
        }
    }
    if (count == 0 || outcome.action != Action::resume) {
        vcpu.skip_instruction();
    }
    return outcome;
}

}  // namespace

Outcome handle_io(Guest& guest, Vcpu& vcpu, GuestMemory& memory) {
    const IoQualification io = decode_io(vcpu.exit().qualification);
    return io.string ? string_io(guest, vcpu, memory, io) : port_in_out(guest, vcpu, io);
}

}  // namespace septum::vmm
