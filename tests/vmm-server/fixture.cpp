#include "fixture.hpp"

namespace septum::vmm::testing {

FakeHostCpuid::FakeHostCpuid() {
    constexpr std::uint32_t all = 0xffffffff;
    leaves[{0, 0}] = {0x16, 0x756e6547, 0x6c65746e, 0x49656e69};  // "GenuineIntel", max leaf 0x16
    leaves[{1, 0}] = {0x50654, 0x12345678, all, all};
    leaves[{2, 0}] = {0x00feff01, 0, 0, 0};
    leaves[{4, 0}] = {0xfc004121, 0x01c0003f, 0x3f, 0};
    leaves[{4, 1}] = {0xfc004122, 0x01c0003f, 0x3f, 0};
    leaves[{7, 0}] = {2, all, all, all};
    leaves[{0xd, 0}] = {0x2ff, 0xa88, 0xa88, 0};
    leaves[{0xd, 1}] = {0xf, 0, 0, 0};
    leaves[{0x80000000, 0}] = {0x80000008, 0, 0, 0};
    leaves[{0x80000001, 0}] = {0, 0, all, all};
    leaves[{0x80000008, 0}] = {0x3030, all, all, 0};
}

CpuidRegs FakeHostCpuid::query(std::uint32_t leaf, std::uint32_t subleaf) const {
    auto it = leaves.find({leaf, subleaf});
    return it == leaves.end() ? CpuidRegs{0, 0, 0, 0} : it->second;
}

namespace {

abi::Segment segment(std::uint16_t selector, std::uint64_t base, std::uint32_t limit, std::uint32_t access) {
    return abi::Segment{base, limit, access, selector, {}};
}

}  // namespace

abi::VcpuState protected_mode_state() {
    abi::VcpuState s{};
    s.cr0 = x86::cr0::pe | x86::cr0::et | x86::cr0::ne;
    s.rflags = x86::rflags::fixed1;
    s.cs = segment(8, 0, 0xffffffff, 0xc09b);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(0x10, 0, 0xffffffff, 0xc093);
    s.tr = segment(0, 0, 0xffff, 0x8b);
    s.ldtr = segment(0, 0, 0, x86::access::unusable);
    s.xcr0 = 1;
    return s;
}

abi::VcpuState long_mode_state() {
    abi::VcpuState s = protected_mode_state();
    s.cr0 |= x86::cr0::pg;
    s.cr4 = x86::cr4::pae;
    s.efer = x86::efer::lme | x86::efer::lma;
    s.cs.access_rights = 0xa09b;  // L=1, D=0
    return s;
}

abi::VcpuState real_mode_state() {
    abi::VcpuState s{};
    s.cr0 = x86::cr0::et;
    s.rflags = x86::rflags::fixed1;
    s.cs = segment(0, 0, 0xffff, 0x9b);
    s.ds = s.es = s.fs = s.gs = s.ss = segment(0, 0, 0xffff, 0x93);
    s.tr = segment(0, 0, 0xffff, 0x8b);
    s.ldtr = segment(0, 0, 0, x86::access::unusable);
    s.xcr0 = 1;
    return s;
}

VmmTest::VmmTest()
    : ram(ram_size),
      memory{ram.data(), ram_size},
      cpuid{host_cpuid},
      uart{console},
      guest{cpuid, ports, mmio, console, clock, protected_mode_state()},
      vcpu{page} {
    EXPECT_EQ(ports.claim(Uart16550::com1, Uart16550::register_count, uart), Status::ok);
    EXPECT_EQ(ports.claim(DebugExit::default_port, DebugExit::width, debug_exit), Status::ok);
    page.state = protected_mode_state();
}

void VmmTest::set_exit(std::uint32_t reason, std::uint64_t qualification, std::uint32_t length) {
    page.exit = abi::ExitInfo{};
    page.exit.reason = reason;
    page.exit.qualification = qualification;
    page.exit.instruction_length = length;
}

void VmmTest::put_code(std::uint64_t gpa, const std::vector<std::uint8_t>& bytes) {
    ASSERT_EQ(memory.write(gpa, bytes.data(), bytes.size()), Status::ok);
}

}  // namespace septum::vmm::testing
