#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/decoder.hpp>
#include <septum/vmm/exit.hpp>
#include <septum/vmm/paging.hpp>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

Result<MovInstruction> decode(const Bytes& b, CpuMode mode) { return decode_mov(b.data(), b.size(), mode); }

TEST(Decoder, MovForms) {
    auto i = decode({0x89, 0x03}, CpuMode::protected32);  // mov [ebx], eax
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().kind, MovKind::store_register);
    EXPECT_EQ(i.value().memory_size, 4u);
    EXPECT_EQ(i.value().length, 2u);
    i = decode({0x48, 0x8b, 0x84, 0x24, 0x10, 0x00, 0x00, 0x00}, CpuMode::long64);  // mov rax, [rsp+0x10] disp32
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().kind, MovKind::load);
    EXPECT_EQ(i.value().memory_size, 8u);
    EXPECT_EQ(i.value().length, 8u);
    i = decode({0x44, 0x88, 0x40, 0x04}, CpuMode::long64);  // mov [rax+4], r8b
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().reg, 8u);
    EXPECT_FALSE(i.value().high_byte);
    i = decode({0x88, 0x26}, CpuMode::protected32);  // mov [esi], ah
    ASSERT_TRUE(i.ok());
    EXPECT_TRUE(i.value().high_byte);
    EXPECT_EQ(i.value().reg, 0u);
    i = decode({0x66, 0xc7, 0x05, 1, 2, 3, 4, 0x34, 0x12}, CpuMode::long64);  // mov word [rip+x], 0x1234
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().memory_size, 2u);
    EXPECT_EQ(i.value().immediate, 0x1234u);
    EXPECT_EQ(i.value().length, 9u);
    i = decode({0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff}, CpuMode::long64);  // mov qword [rax], -1
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().immediate, ~std::uint64_t{0});
    i = decode({0x0f, 0xb7, 0x07}, CpuMode::protected32);  // movzx eax, word [edi]
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().kind, MovKind::load_zero_extend);
    EXPECT_EQ(i.value().memory_size, 2u);
    EXPECT_EQ(i.value().register_size, 4u);
    i = decode({0x8b, 0x87, 0x00, 0x10}, CpuMode::real);  // mov ax, [bx+0x1000]: 16-bit ModRM
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().memory_size, 2u);
    EXPECT_EQ(i.value().length, 4u);
    i = decode({0x3e, 0x67, 0x66, 0x8b, 0x04, 0x25, 0, 0, 0xe0, 0xfe}, CpuMode::long64);  // SIB, no base
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i.value().length, 10u);
    EXPECT_EQ(i.value().memory_size, 2u);
}

TEST(Decoder, TruncatedAndUnsupported) {
    EXPECT_EQ(decode({}, CpuMode::long64).status(), Status::out_of_range);
    EXPECT_EQ(decode({0x89}, CpuMode::long64).status(), Status::out_of_range);
    EXPECT_EQ(decode({0x89, 0x84, 0x24, 0x10}, CpuMode::long64).status(), Status::out_of_range);
    EXPECT_EQ(decode({0xc7, 0x00, 0x01, 0x02}, CpuMode::protected32).status(), Status::out_of_range);
    EXPECT_EQ(decode({0x48}, CpuMode::long64).status(), Status::out_of_range);
    EXPECT_EQ(decode({0x89, 0xc0}, CpuMode::long64).status(), Status::invalid_argument);              // register form
    EXPECT_EQ(decode({0xf0, 0x89, 0x00}, CpuMode::long64).status(), Status::invalid_argument);        // LOCK
    EXPECT_EQ(decode({0xf3, 0xa4}, CpuMode::long64).status(), Status::invalid_argument);              // REP MOVSB
    EXPECT_EQ(decode({0xc7, 0x08, 0, 0, 0, 0}, CpuMode::long64).status(), Status::invalid_argument);  // C7 /1
    EXPECT_EQ(decode({0x01, 0x00}, CpuMode::long64).status(), Status::invalid_argument);              // ADD
    EXPECT_EQ(decode({0x0f, 0x0b}, CpuMode::long64).status(), Status::invalid_argument);              // UD2
    EXPECT_EQ(decode({0x48, 0x89}, CpuMode::protected32).status(), Status::invalid_argument);         // DEC, not REX
    Bytes prefixes(15, 0x66);
    prefixes.push_back(0x89);
    prefixes.push_back(0x00);
    EXPECT_EQ(decode(prefixes, CpuMode::long64).status(), Status::invalid_argument);  // longer than 15
}

struct Registers final : Device {
    std::uint64_t regs[8] = {};
    std::uint64_t read(std::uint64_t offset, unsigned) override { return regs[offset / 8 % 8]; }
    Outcome write(std::uint64_t offset, unsigned, std::uint64_t value) override {
        regs[offset / 8 % 8] = value;
        return Outcome::resume();
    }
};

constexpr std::uint64_t device_base = 0xfeb00000;

class MmioTest : public VmmTest {
protected:
    MmioTest() { EXPECT_EQ(mmio.claim(device_base, 0x40, device), Status::ok); }

    Outcome access(std::uint64_t gpa, bool write, const Bytes& code) {
        put_code(page.state.cs.base + page.state.rip, code);
        set_exit(static_cast<std::uint32_t>(abi::VmxExit::ept_violation), (write ? 2u : 1u) | (1u << 7) | (1u << 8));
        page.exit.guest_physical = gpa;
        return handle_exit(guest, vcpu, memory);
    }

    Registers device;
};

TEST_F(MmioTest, StoreAndLoad) {
    page.state.rip = 0x1000;
    page.state.rax = 0xcafef00d;
    EXPECT_EQ(access(device_base + 8, true, {0x89, 0x03}), Outcome::resume());  // mov [ebx], eax
    EXPECT_EQ(device.regs[1], 0xcafef00du);
    EXPECT_EQ(page.state.rip, 0x1002u);
    page.state.rcx = 0xffffffffffffffff;
    EXPECT_EQ(access(device_base + 8, false, {0x8a, 0x2b}), Outcome::resume());  // mov ch, [ebx]
    EXPECT_EQ(page.state.rcx, 0xffffffffffff0dffu);
    EXPECT_EQ(access(device_base + 8, false, {0x0f, 0xb7, 0x0b}), Outcome::resume());  // movzx ecx, word [ebx]
    EXPECT_EQ(page.state.rcx, 0xf00du);
    EXPECT_EQ(access(device_base + 16, true, {0xc6, 0x03, 0x5a}), Outcome::resume());  // mov byte [ebx], 0x5a
    EXPECT_EQ(device.regs[2], 0x5au);
    EXPECT_EQ(page.state.rip, 0x1000u + 2 + 2 + 3 + 3);
}

// A0-A3: the accumulator at an absolute address, as 32-bit code writes
// the xAPIC and reads the I/O APIC (mov %eax, 0xfee000b0 assembles to A3).
TEST_F(MmioTest, AccumulatorAtAnAbsoluteAddress) {
    page.state.rip = 0x1000;
    page.state.rax = 0xffffffff12345678;
    EXPECT_EQ(access(device_base + 8, true, {0xa3, 0x08, 0x00, 0xb0, 0xfe}), Outcome::resume());  // mov [moffs32], eax
    EXPECT_EQ(device.regs[1], 0x12345678u);
    EXPECT_EQ(page.state.rip, 0x1005u);
    device.regs[2] = 0xa1b2c3d4e5f60718;
    EXPECT_EQ(access(device_base + 16, false, {0xa1, 0x10, 0x00, 0xb0, 0xfe}),
              Outcome::resume());            // mov eax, [moffs32]
    EXPECT_EQ(page.state.rax, 0xe5f60718u);  // a 32-bit load zero-extends
    page.state.rax = 0xffffffffffff0000;
    EXPECT_EQ(access(device_base + 16, false, {0xa0, 0x10, 0x00, 0xb0, 0xfe}), Outcome::resume());  // mov al, [moffs32]
    EXPECT_EQ(page.state.rax, 0xffffffffffff0018u);                                                 // AL merges
    page.state.rax = 0x5a;
    EXPECT_EQ(access(device_base + 24, true, {0x66, 0xa3, 0x18, 0x00, 0xb0, 0xfe}),
              Outcome::resume());  // mov [moffs32], ax
    EXPECT_EQ(device.regs[3], 0x5au);
    // A load reported as a write is the hardware and the bytes disagreeing.
    EXPECT_EQ(access(device_base + 8, true, {0xa1, 0x08, 0x00, 0xb0, 0xfe}).reason, StopReason::emulation_failure);
}

TEST_F(MmioTest, LongModeFetchThroughPageTables) {
    page.state = long_mode_state();
    // Identity-map the first 2 MiB with one large page: PML4 0x10000, PDPT 0x11000, PD 0x12000.
    const std::uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000;
    const std::uint64_t entries[3][2] = {{pml4, pdpt | 3}, {pdpt, pd | 3}, {pd, 0x83}};
    for (const auto& e : entries) {
        ASSERT_EQ(memory.write(e[0], &e[1], 8), Status::ok);
    }
    page.state.cr3 = pml4;
    page.state.rip = 0x3000;
    page.state.rdx = 0x1122334455667788;
    EXPECT_EQ(access(device_base, true, {0x48, 0x89, 0x10}), Outcome::resume());  // mov [rax], rdx
    EXPECT_EQ(device.regs[0], 0x1122334455667788u);
    EXPECT_EQ(access(device_base, false, {0x8b, 0x08}), Outcome::resume());  // mov ecx, [rax]: zero-extends
    EXPECT_EQ(page.state.rcx, 0x55667788u);
    page.state.efer |= x86::efer::nxe;  // so the error code reports the fetch
    page.state.rip = 0x200000;          // not mapped: the fetch page-faults
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::ept_violation), 1 | (1u << 7) | (1u << 8));
    page.exit.guest_physical = device_base;
    EXPECT_EQ(handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_EQ(injected_vector(), 14u);
    EXPECT_EQ(page.state.cr2, 0x200000u);
    EXPECT_NE(page.state.inject_error & x86::pf_error::fetch, 0u);
}

TEST_F(MmioTest, UnclaimedAccessStopsOrInjectsPerPolicy) {
    EXPECT_EQ(access(0xc0000000, true, {0x89, 0x03}), Outcome::stop(StopReason::unclaimed_access, 0xc0000000));
    guest.policy.unclaimed = Policy::Unclaimed::inject_gp;
    EXPECT_EQ(access(0xc0000000, true, {0x89, 0x03}), Outcome::resume());
    EXPECT_TRUE(injected_gp());
    EXPECT_EQ(page.state.rip, 0u);
}

TEST_F(MmioTest, EmulationFailures) {
    // Not a MOV.
    EXPECT_EQ(access(device_base, true, {0x01, 0x03}).reason, StopReason::emulation_failure);
    // The decoded load does not match the reported write.
    EXPECT_EQ(access(device_base, true, {0x8b, 0x03}).reason, StopReason::emulation_failure);
    // Runs off the device's end.
    EXPECT_EQ(access(device_base + 0x3c, true, {0x48, 0x89, 0x03}).reason, StopReason::emulation_failure);
    // The instruction is truncated at the end of guest RAM.
    page.state.rip = ram_size - 1;
    EXPECT_EQ(access(device_base, true, {0x89}).reason, StopReason::emulation_failure);
    // Executing from the device.
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::ept_violation), 4 | (1u << 7) | (1u << 8));
    page.exit.guest_physical = device_base;
    EXPECT_EQ(handle_exit(guest, vcpu, memory).reason, StopReason::unclaimed_access);
}

TEST_F(MmioTest, ViolationOnRamIsNotGuessedAt) {
    EXPECT_EQ(access(0x2000, true, {0x89, 0x03}).reason, StopReason::unhandled_exit);
}

TEST_F(MmioTest, DeviceAccessDuringEventDeliveryIsRefused) {
    put_code(0, {0x89, 0x03});
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::ept_violation), 2 | (1u << 7) | (1u << 8));
    page.exit.guest_physical = device_base;
    page.exit.idt_vectoring_info = x86::EventInfo::make(x86::EventType::external_interrupt, 0x20).raw;
    EXPECT_EQ(handle_exit(guest, vcpu, memory).reason, StopReason::unclaimed_access);
}

TEST_F(VmmTest, PagingWalksAndFaults) {
    // 32-bit paging with a 4 MiB page at 0 and a 4 KiB page at 0x400000 -> 0x7000.
    page.state.cr0 |= x86::cr0::pg;
    page.state.cr4 = x86::cr4::pse;
    page.state.cr3 = 0x20000;
    ASSERT_EQ(memory.write_u32(0x20000, 0x83), Status::ok);
    ASSERT_EQ(memory.write_u32(0x20004, 0x21000 | 1), Status::ok);  // read-only, supervisor
    ASSERT_EQ(memory.write_u32(0x21000, 0x7000 | 1), Status::ok);
    EXPECT_EQ(translate(memory, vcpu, 0x123456, Access::read).gpa, 0x123456u);
    EXPECT_EQ(translate(memory, vcpu, 0x400010, Access::read).gpa, 0x7010u);
    EXPECT_EQ(translate(memory, vcpu, 0x400010, Access::write).status, Status::ok);  // WP clear
    page.state.cr0 |= x86::cr0::wp;
    const Translation t = translate(memory, vcpu, 0x400010, Access::write);
    EXPECT_EQ(t.status, Status::invalid_argument);
    EXPECT_EQ(t.pf_error, x86::pf_error::present | x86::pf_error::write);
    EXPECT_EQ(translate(memory, vcpu, 0x801000, Access::read).pf_error, 0u);  // not present
    page.state.ss.access_rights |= 3u << 5;
    EXPECT_EQ(translate(memory, vcpu, 0x400010, Access::read).pf_error, x86::pf_error::present | x86::pf_error::user);
    page.state.cr3 = 0xfff000;  // tables outside RAM
    EXPECT_EQ(translate(memory, vcpu, 0, Access::read).status, Status::out_of_range);
}

TEST_F(VmmTest, PaePaging) {
    page.state.cr0 |= x86::cr0::pg;
    page.state.cr4 = x86::cr4::pae;
    page.state.cr3 = 0x30000;
    const std::uint64_t pdpte = 0x31000 | 1, pde = 0x32000 | 3, pte = 0x9000 | 3;
    ASSERT_EQ(memory.write(0x30000 + 8 * 1, &pdpte, 8), Status::ok);  // 1 GiB slot 1
    ASSERT_EQ(memory.write(0x31000, &pde, 8), Status::ok);
    ASSERT_EQ(memory.write(0x32000 + 8 * 2, &pte, 8), Status::ok);
    EXPECT_EQ(translate(memory, vcpu, 0x40002abc, Access::write).gpa, 0x9abcu);
    EXPECT_EQ(translate(memory, vcpu, 0x2abc, Access::read).status, Status::invalid_argument);
}

}  // namespace
}  // namespace septum::vmm::testing
