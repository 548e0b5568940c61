// Record mode: one console line per exit, in the layout of vmm/record.hpp,
// which the exit fuzzers read back as a seed.
#include <septum/abi/vmx_exit.hpp>
#include <septum/vmm/record.hpp>

#include <cstring>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

std::vector<std::uint8_t> unhex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

// The bytes of the one record line in `console`.
std::vector<std::uint8_t> record_bytes(const std::string& console) {
    const std::string prefix = record_prefix;
    EXPECT_EQ(console.rfind(prefix, 0), 0u);
    EXPECT_EQ(console.back(), '\n');
    EXPECT_EQ(console.find('\n'), console.size() - 1);
    return unhex(console.substr(prefix.size(), console.size() - prefix.size() - 1));
}

TEST_F(VmmTest, RecordOfAnExitIsTheStateTheExitAndTheReads) {
    page.state.rax = 1;
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::cpuid), 0, 2);
    const abi::VcpuPage before = page;
    StringConsole log;
    ExitRecorder recorder{log, true};
    EXPECT_EQ(recorder.handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_EQ(page.state.rip, before.state.rip + 2);  // handled as without the recorder

    const std::vector<std::uint8_t> b = record_bytes(log.out);
    const std::size_t state = sizeof(abi::VcpuState), exit = sizeof(abi::ExitInfo);
    ASSERT_EQ(b.size(), 1 + 4 + state + exit + 1);
    EXPECT_EQ(b[0], record_version);
    EXPECT_EQ(b[1] | b[2] << 8, state);
    EXPECT_EQ(b[3] | b[4] << 8, exit);
    EXPECT_EQ(std::memcmp(b.data() + 5, &before.state, state), 0);
    EXPECT_EQ(std::memcmp(b.data() + 5 + state, &before.exit, exit), 0);
    EXPECT_EQ(b.back(), 0);  // CPUID reads no guest memory
}

TEST_F(VmmTest, RecordKeepsWhatTheHandlersRead) {
    const std::uint8_t bytes[40] = {1, 2, 3};
    ASSERT_EQ(memory.write(0x500, bytes, sizeof bytes), Status::ok);
    ExitRecord record;
    record.begin(page.state, page.exit);
    RecordingGuestMemory recording{memory, record};
    std::uint8_t out[40];
    EXPECT_EQ(recording.read(0x500, out, sizeof out), Status::ok);
    EXPECT_EQ(recording.read(ram_size, out, 1), Status::out_of_range);  // a failed read is not kept
    ASSERT_EQ(record.read_count(), 2u);                                 // 40 bytes: a full read and the rest
    EXPECT_EQ(record.read(0).gpa, 0x500u);
    EXPECT_EQ(record.read(0).length, ExitRecord::max_read_length);
    EXPECT_EQ(record.read(1).gpa, 0x500u + ExitRecord::max_read_length);
    EXPECT_EQ(record.read(1).length, sizeof bytes - ExitRecord::max_read_length);
    EXPECT_EQ(record.read(0).bytes[2], 3);
}

TEST_F(VmmTest, RecorderOffWritesNothing) {
    set_exit(static_cast<std::uint32_t>(abi::VmxExit::cpuid), 0, 2);
    StringConsole log;
    ExitRecorder recorder{log, false};
    EXPECT_EQ(recorder.handle_exit(guest, vcpu, memory), Outcome::resume());
    EXPECT_TRUE(log.out.empty());
}

}  // namespace
}  // namespace septum::vmm::testing
