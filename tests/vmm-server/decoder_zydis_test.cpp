// The MMIO decoder against Zydis (decoder_oracle.hpp) over the instruction
// forms Linux 6.1 uses on device pages, assembled by GNU as: the xAPIC
// (native_apic_mem_read/write: MOV to and from the fixmap), the I/O APIC
// (readl/writel: 8B and 89 with every ModRM/SIB/displacement shape and
// r8-r15), devices (readb/readw/writeb/writew/readq/writeq, movzbl,
// movzwl), immediate stores, and the accumulator forms 32-bit code uses for
// fixed addresses. Each must decode, and decode as Zydis does; the forms
// refused on purpose must be refused, and be what Zydis says they are.
#include <septum/vmm/decoder.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <vector>

#include "decoder_oracle.hpp"

namespace septum::vmm::testing {
namespace {

struct Sample {
    CpuMode mode;
    std::vector<std::uint8_t> bytes;
    const char* text;
};

const std::vector<Sample>& linux_forms() {
    static const std::vector<Sample> samples = {
        {CpuMode::long64,
         {0x89, 0x04, 0x25, 0xb0, 0xb0, 0x5f, 0xff},
         "movl %eax, 0xffffffffff5fb0b0 (xAPIC write (native_apic_mem_write))"},
        {CpuMode::long64,
         {0x8b, 0x04, 0x25, 0x20, 0xb0, 0x5f, 0xff},
         "movl 0xffffffffff5fb020, %eax (xAPIC read (native_apic_mem_read))"},
        {CpuMode::long64,
         {0x89, 0xb0, 0x00, 0x03, 0x00, 0x00},
         "movl %esi, 0x300(%rax) (xAPIC ICR write through a base)"},
        {CpuMode::long64, {0x44, 0x89, 0xa3, 0x10, 0x03, 0x00, 0x00}, "movl %r12d, 0x310(%rbx)"},
        {CpuMode::long64, {0x44, 0x8b, 0x6a, 0x30}, "movl 0x30(%rdx), %r13d"},
        {CpuMode::long64, {0x89, 0x30}, "movl %esi, (%rax) (writel: index)"},
        {CpuMode::long64, {0x8b, 0x40, 0x10}, "movl 0x10(%rax), %eax (readl: data)"},
        {CpuMode::long64, {0x41, 0x8b, 0x44, 0x24, 0x10}, "movl 0x10(%r12), %eax"},
        {CpuMode::long64, {0x44, 0x89, 0x2b}, "movl %r13d, (%rbx)"},
        {CpuMode::long64, {0x41, 0x89, 0x40, 0x10}, "movl %eax, 0x10(%r8)"},
        {CpuMode::long64, {0x45, 0x89, 0x7d, 0x40}, "movl %r15d, 0x40(%r13)"},
        {CpuMode::long64, {0x45, 0x8b, 0x4c, 0x8f, 0x10}, "movl 0x10(%r15,%rcx,4), %r9d"},
        {CpuMode::long64, {0x47, 0x8b, 0x14, 0xf3}, "movl (%r11,%r14,8), %r10d"},
        {CpuMode::long64, {0x44, 0x89, 0x15, 0x40, 0x00, 0x00, 0x00}, "movl %r10d, 0x40(%rip) (RIP-relative)"},
        {CpuMode::long64, {0x89, 0x8c, 0x24, 0x78, 0x56, 0x34, 0x12}, "movl %ecx, 0x12345678(%rsp)"},
        {CpuMode::long64, {0x89, 0x14, 0x24}, "movl %edx, (%rsp)"},
        {CpuMode::long64, {0x89, 0x45, 0x00}, "movl %eax, (%rbp) (mod 1 disp8 0 for rbp)"},
        {CpuMode::long64, {0x41, 0x89, 0x45, 0x00}, "movl %eax, (%r13)"},
        {CpuMode::long64, {0x89, 0x04, 0x55, 0x00, 0x00, 0x00, 0x00}, "movl %eax, (,%rdx,2) (SIB index without base)"},
        {CpuMode::long64,
         {0x44, 0x89, 0x04, 0x25, 0x40, 0x00, 0xec, 0x7f},
         "movl %r8d, 0x7fec0040 (absolute, below 2 GiB)"},
        {CpuMode::long64, {0x67, 0x8b, 0x48, 0x40}, "movl 0x40(%eax), %ecx (67: 32-bit addressing)"},
        {CpuMode::long64, {0x8a, 0x07}, "movb (%rdi), %al (readb)"},
        {CpuMode::long64, {0x40, 0x8a, 0x73, 0x14}, "movb 0x14(%rbx), %sil (readb into SIL (REX))"},
        {CpuMode::long64, {0x8a, 0x63, 0x14}, "movb 0x14(%rbx), %ah (readb into AH)"},
        {CpuMode::long64, {0x45, 0x8a, 0x59, 0x05}, "movb 0x5(%r9), %r11b"},
        {CpuMode::long64, {0x66, 0x8b, 0x02}, "movw (%rdx), %ax (readw)"},
        {CpuMode::long64, {0x66, 0x45, 0x8b, 0x4a, 0x02}, "movw 0x2(%r10), %r9w"},
        {CpuMode::long64, {0x88, 0x08}, "movb %cl, (%rax) (writeb)"},
        {CpuMode::long64, {0x40, 0x88, 0x78, 0x07}, "movb %dil, 0x7(%rax) (writeb from DIL)"},
        {CpuMode::long64, {0x88, 0x78, 0x07}, "movb %bh, 0x7(%rax) (writeb from BH)"},
        {CpuMode::long64, {0x44, 0x88, 0x42, 0x05}, "movb %r8b, 5(%rdx)"},
        {CpuMode::long64, {0x66, 0x45, 0x89, 0x4a, 0x02}, "movw %r9w, 0x2(%r10) (writew)"},
        {CpuMode::long64, {0x66, 0x89, 0x74, 0x07, 0x10}, "movw %si, 0x10(%rdi,%rax,1)"},
        {CpuMode::long64, {0x0f, 0xb6, 0x45, 0x03}, "movzbl 0x3(%rbp), %eax (movzbl)"},
        {CpuMode::long64, {0x0f, 0xb6, 0x30}, "movzbl (%rax), %esi"},
        {CpuMode::long64, {0x45, 0x0f, 0xb7, 0x33}, "movzwl (%r11), %r14d (movzwl)"},
        {CpuMode::long64, {0x0f, 0xb7, 0x57, 0x12}, "movzwl 0x12(%rdi), %edx"},
        {CpuMode::long64, {0x66, 0x0f, 0xb6, 0x01}, "movzbw (%rcx), %ax (movzx r16, m8)"},
        {CpuMode::long64, {0x4c, 0x0f, 0xb6, 0x01}, "movzbq (%rcx), %r8 (movzx r64, m8)"},
        {CpuMode::long64, {0x48, 0x8b, 0x50, 0x08}, "movq 0x8(%rax), %rdx (readq)"},
        {CpuMode::long64, {0x4d, 0x89, 0x74, 0x24, 0x18}, "movq %r14, 0x18(%r12) (writeq)"},
        {CpuMode::long64,
         {0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12},
         "movl $0x12345678, 0xb0(%rax) (mov $imm32,(mem))"},
        {CpuMode::long64,
         {0xc7, 0x04, 0x25, 0xb0, 0xb0, 0x5f, 0xff, 0x00, 0x00, 0x00, 0x00},
         "movl $0, 0xffffffffff5fb0b0 (xAPIC EOI as an immediate store)"},
        {CpuMode::long64, {0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff}, "movq $-1, (%rbx) (imm32 sign-extended to 64)"},
        {CpuMode::long64, {0x49, 0xc7, 0x41, 0x08, 0xff, 0xff, 0xff, 0x7f}, "movq $0x7fffffff, 0x8(%r9)"},
        {CpuMode::long64, {0xc6, 0x41, 0x03, 0x80}, "movb $0x80, 3(%rcx)"},
        {CpuMode::long64, {0x66, 0xc7, 0x06, 0x34, 0x12}, "movw $0x1234, (%rsi)"},
        {CpuMode::long64,
         {0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00},
         "movl $1, 0x10(%rip) (RIP-relative with an immediate)"},
        {CpuMode::long64,
         {0xa1, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00},
         "movabsl 0xfee000b0, %eax (A1 moffs64)"},
        {CpuMode::long64,
         {0xa2, 0x00, 0x00, 0xd0, 0xfe, 0x00, 0x00, 0x00, 0x00},
         "movabsb %al, 0xfed00000 (A2 moffs64)"},
        {CpuMode::long64,
         {0x48, 0xa3, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00},
         "movabsq %rax, 0xfec00000 (A3 REX.W)"},
        {CpuMode::protected32,
         {0xa3, 0xb0, 0x00, 0xe0, 0xfe},
         "movl %eax, 0xfee000b0 (A3: xAPIC write in 32-bit code)"},
        {CpuMode::protected32, {0xa1, 0x10, 0x00, 0xc0, 0xfe}, "movl 0xfec00010, %eax (A1)"},
        {CpuMode::protected32, {0xa0, 0x00, 0x00, 0xd0, 0xfe}, "movb 0xfed00000, %al (A0)"},
        {CpuMode::protected32, {0x66, 0xa3, 0x02, 0x00, 0xd0, 0xfe}, "movw %ax, 0xfed00002 (66 A3)"},
        {CpuMode::protected32, {0x89, 0x0d, 0x00, 0x03, 0xe0, 0xfe}, "movl %ecx, 0xfee00300 (89 with disp32)"},
        {CpuMode::protected32, {0x8b, 0x53, 0x10}, "movl 0x10(%ebx), %edx"},
        {CpuMode::protected32, {0x89, 0x34, 0x24}, "movl %esi, (%esp)"},
        {CpuMode::protected32, {0x8b, 0x7d, 0x00}, "movl (%ebp), %edi"},
        {CpuMode::protected32, {0x8b, 0x5c, 0x88, 0x04}, "movl 0x4(%eax,%ecx,4), %ebx"},
        {CpuMode::protected32, {0x88, 0x76, 0x01}, "movb %dh, 0x1(%esi)"},
        {CpuMode::protected32, {0x66, 0x8b, 0x4f, 0x02}, "movw 0x2(%edi), %cx"},
        {CpuMode::protected32, {0x0f, 0xb6, 0x02}, "movzbl (%edx), %eax"},
        {CpuMode::protected32, {0x0f, 0xb7, 0x69, 0x04}, "movzwl 0x4(%ecx), %ebp"},
        {CpuMode::protected32,
         {0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0xef, 0xbe, 0xad, 0xde},
         "movl $0xdeadbeef, 0xfee000b0"},
        {CpuMode::protected32, {0x66, 0xc7, 0x40, 0x02, 0xef, 0xbe}, "movw $0xbeef, 0x2(%eax)"},
        {CpuMode::protected32, {0xc6, 0x03, 0x7f}, "movb $0x7f, (%ebx)"},
        {CpuMode::protected32, {0x67, 0x8b, 0x40, 0x10}, "movl 0x10(%bx,%si), %eax (67: 16-bit addressing)"},
        {CpuMode::protected32, {0x64, 0x8b, 0x40, 0x10}, "movl %fs:0x10(%eax), %eax (segment prefix)"},
        {CpuMode::real, {0x89, 0x00}, "movw %ax, (%bx,%si)"},
        {CpuMode::real, {0x8b, 0x87, 0x00, 0x10}, "movw 0x1000(%bx), %ax"},
        {CpuMode::real, {0xa3, 0x34, 0x12}, "movw %ax, 0x1234 (A3 moffs16)"},
        {CpuMode::real, {0xa1, 0x34, 0x12}, "movw 0x1234, %ax (A1 moffs16)"},
        {CpuMode::real, {0xa2, 0x10, 0x00}, "movb %al, 0x10 (A2)"},
        {CpuMode::real, {0xc7, 0x46, 0x10, 0x01, 0x00}, "movw $1, 0x10(%bp)"},
        {CpuMode::real, {0xc6, 0x05, 0x02}, "movb $2, (%di)"},
        {CpuMode::real, {0x66, 0x89, 0x45, 0x10}, "movl %eax, 0x10(%di) (66)"},
        {CpuMode::real, {0x67, 0x66, 0xa3, 0xb0, 0x00, 0xe0, 0xfe}, "addr32 movl %eax, 0xfee000b0 (67 66 A3 moffs32)"},
        {CpuMode::real, {0x67, 0x66, 0x8b, 0x48, 0x10}, "movl 0x10(%eax), %ecx (67 66)"},
        {CpuMode::real, {0x0f, 0xb6, 0x0c}, "movzbw (%si), %cx"},
        {CpuMode::real, {0x66, 0x0f, 0xb7, 0x07}, "movzwl (%bx), %eax"},
        {CpuMode::real, {0x26, 0x88, 0x27}, "movb %ah, %es:(%bx)"},
    };
    return samples;
}

TEST(DecoderZydis, LinuxFormsDecodeAsZydisDecodesThem) {
    for (const Sample& s : linux_forms()) {
        const Comparison c = compare_with_zydis(s.bytes.data(), s.bytes.size(), s.mode);
        EXPECT_TRUE(c.supported) << s.text << ": Zydis does not call it a supported form";
        EXPECT_TRUE(c.ours_decoded) << s.text;
        EXPECT_EQ(c.finding, Finding::none)
            << s.text << " in " << to_string(s.mode) << ": " << to_string(c.finding) << ": " << c.detail;
    }
}

// Every form, and its tail cut at each length, in every mode: whatever the
// bytes mean there, the two agree (a 64-bit form is often another
// instruction, or none, in 16- or 32-bit code).
TEST(DecoderZydis, LinuxFormsAgreeInEveryModeAndAtEveryLength) {
    const CpuMode modes[] = {CpuMode::real, CpuMode::virtual8086, CpuMode::protected16, CpuMode::protected32,
                             CpuMode::long64};
    for (const Sample& s : linux_forms()) {
        for (const CpuMode mode : modes) {
            for (std::size_t n = 0; n <= s.bytes.size(); ++n) {
                const Comparison c = compare_with_zydis(s.bytes.data(), n, mode);
                EXPECT_EQ(c.finding, Finding::none) << s.text << " in " << to_string(mode) << ", " << n
                                                    << " bytes: " << to_string(c.finding) << ": " << c.detail;
            }
        }
    }
}

// Every claimed opcode (and its neighbours) with every ModRM byte, the SIB
// bases that change the length, and the prefix runs that change sizes, in
// every mode; the bytes after them are distinct so a wrong length or
// immediate shows. Counts the forms Zydis calls supported, so the test
// proves it looked at some.
TEST(DecoderZydis, EveryModRmSibAndPrefixShapeAgrees) {
    const std::vector<std::vector<std::uint8_t>> opcodes = {{0x88}, {0x89}, {0x8a}, {0x8b}, {0xc6},       {0xc7},
                                                            {0xa0}, {0xa1}, {0xa2}, {0xa3}, {0x0f, 0xb6}, {0x0f, 0xb7},
                                                            {0x86}, {0x87}, {0x8c}, {0x8e}, {0x0f, 0xbe}, {0x0f, 0xb8}};
    const std::vector<std::vector<std::uint8_t>> prefix_runs = {
        {},     {0x66},       {0x67},       {0x66, 0x67}, {0x2e},       {0x40}, {0x41}, {0x44},
        {0x48}, {0x4c, 0x66}, {0x66, 0x48}, {0x48, 0x66}, {0x40, 0x2e}, {0xf0}, {0xf3}, {0xf2, 0x66}};
    const std::uint8_t sibs[] = {0x00, 0x24, 0x25, 0x65, 0xe5};
    const CpuMode modes[] = {CpuMode::real, CpuMode::virtual8086, CpuMode::protected16, CpuMode::protected32,
                             CpuMode::long64};
    unsigned supported = 0, refused_on_purpose = 0, findings = 0;
    for (const CpuMode mode : modes) {
        for (const auto& prefixes : prefix_runs) {
            for (const auto& opcode : opcodes) {
                for (unsigned modrm = 0; modrm < 256; ++modrm) {
                    // SIB (with 32/64-bit addressing) follows rm = 4 only.
                    const std::size_t sib_count = (modrm & 7) == 4 ? std::size(sibs) : 1;
                    for (std::size_t i = 0; i < sib_count; ++i) {
                        const std::uint8_t sib = sibs[i];
                        std::vector<std::uint8_t> bytes = prefixes;
                        bytes.insert(bytes.end(), opcode.begin(), opcode.end());
                        bytes.push_back(static_cast<std::uint8_t>(modrm));
                        bytes.push_back(sib);
                        for (std::uint8_t tail = 0x81; tail < 0x8d; ++tail) {
                            bytes.push_back(tail);
                        }
                        const Comparison c = compare_with_zydis(bytes.data(), bytes.size(), mode);
                        supported += c.supported ? 1 : 0;
                        refused_on_purpose += c.documented_refusal ? 1 : 0;
                        if (c.finding != Finding::none && ++findings <= 20) {
                            ADD_FAILURE() << to_string(mode) << ": " << ::testing::PrintToString(bytes) << ": "
                                          << to_string(c.finding) << ": " << c.detail;
                        }
                    }
                }
            }
        }
    }
    EXPECT_EQ(findings, 0u);
    EXPECT_GT(supported, 50000u) << "forms Zydis calls supported";
    EXPECT_GT(refused_on_purpose, 5000u) << "of them refused for a documented prefix";
    std::printf("%u supported forms agreed, %u refused on purpose\n", supported - refused_on_purpose,
                refused_on_purpose);
}

struct Refusal {
    std::vector<std::uint8_t> bytes;
    const char* text;
    bool zydis_supported;  // Zydis calls it a form ours claims (refused for a documented prefix)
};

// Refused on purpose (decoder.hpp): Zydis decodes each, ours does not.
TEST(DecoderZydis, DocumentedRefusals) {
    const Refusal refusals[] = {
        {{0x87, 0x04, 0x25, 0xb0, 0xb0, 0x5f, 0xff}, "xchgl %eax, 0xffffffffff5fb0b0 (X86_BUG_11AP)", false},
        {{0x86, 0x08}, "xchgb %cl, (%rax)", false},
        {{0xf3, 0x89, 0x08}, "xrelease movl %ecx, (%rax)", true},
        {{0xf2, 0x8b, 0x08}, "repne movl (%rax), %ecx", true},
        {{0xf3, 0xa5}, "rep movsl", false},
        {{0x89, 0xc8}, "movl %ecx, %eax: no memory operand", false},
        {{0x0f, 0xb6, 0xc1}, "movzbl %cl, %eax: no memory operand", false},
        {{0xc7, 0xf8, 0, 0, 0, 0}, "xbegin (C7 F8)", false},
    };
    for (const Refusal& r : refusals) {
        const Comparison c = compare_with_zydis(r.bytes.data(), r.bytes.size(), CpuMode::long64);
        EXPECT_TRUE(zydis_view(r.bytes.data(), r.bytes.size(), CpuMode::long64).decoded) << r.text;
        EXPECT_FALSE(c.ours_decoded) << r.text;
        EXPECT_EQ(c.supported, r.zydis_supported) << r.text;
        EXPECT_EQ(c.documented_refusal, r.zydis_supported) << r.text;
        EXPECT_EQ(c.finding, Finding::none) << r.text << ": " << c.detail;
    }
    // LOCK MOV is #UD: Zydis rejects it as well.
    const std::uint8_t lock_mov[] = {0xf0, 0x89, 0x08};
    EXPECT_FALSE(zydis_view(lock_mov, sizeof lock_mov, CpuMode::long64).decoded);
    EXPECT_EQ(compare_with_zydis(lock_mov, sizeof lock_mov, CpuMode::long64).finding, Finding::none);
}

// The comparison can fail: each kind of disagreement is a finding.
TEST(DecoderZydis, TheOracleSeesEachDisagreement) {
    const std::uint8_t store[] = {0x44, 0x89, 0x2b};  // movl %r13d, (%rbx)
    const ZydisView z = zydis_view(store, sizeof store, CpuMode::long64);
    ASSERT_TRUE(z.supported);
    EXPECT_EQ(z.insn.reg, 13u);
    EXPECT_EQ(z.insn.kind, MovKind::store_register);
    EXPECT_EQ(z.insn.length, 3u);
    const Result<MovInstruction> ours = decode_mov(store, sizeof store, CpuMode::long64);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(judge(z, ours).finding, Finding::none);
    MovInstruction wrong = ours.value();
    wrong.reg = 5;  // EBP: the REX.R bit lost
    EXPECT_EQ(judge(z, wrong).finding, Finding::differs);
    wrong = ours.value();
    wrong.length = 2;
    EXPECT_EQ(judge(z, wrong).finding, Finding::differs);
    wrong = ours.value();
    wrong.kind = MovKind::load;
    EXPECT_EQ(judge(z, wrong).finding, Finding::differs);
    EXPECT_EQ(judge(z, Status::invalid_argument).finding, Finding::ours_refuses_supported);
    EXPECT_EQ(judge(ZydisView{}, ours).finding, Finding::ours_accepts_other);
    const std::uint8_t imm[] = {0xc6, 0x41, 0x03, 0x80};  // movb $0x80, 3(%rcx)
    const ZydisView zi = zydis_view(imm, sizeof imm, CpuMode::long64);
    MovInstruction wrong_imm = decode_mov(imm, sizeof imm, CpuMode::long64).value();
    EXPECT_EQ(judge(zi, wrong_imm).finding, Finding::none);
    wrong_imm.immediate = 0x81;
    EXPECT_EQ(judge(zi, wrong_imm).finding, Finding::differs);
}

}  // namespace
}  // namespace septum::vmm::testing
