#include "refusal.hpp"

#include <cstring>
#include <vector>

#include "layout.hpp"

namespace septum::kernel::sim {

void RefusalTest::TearDown() { EXPECT_EQ(check_kernel_invariants(sys), ""); }

Status RefusalTest::call(std::uint64_t cptr, abi::Invocation op, std::initializer_list<std::uint64_t> words) {
    const auto length = static_cast<std::uint8_t>(words.size());
    return sys.syscall(running(), abi::Syscall::call, cptr, label(op, length), words).status;
}

void RefusalTest::retype(caps::ObjectKind kind, std::uint64_t slot) {
    ok(slot_untyped, abi::Invocation::untyped_retype, {static_cast<std::uint64_t>(kind), 0, slot_cnode, slot, 1});
}

Status RefusalTest::refused(std::uint64_t cptr, abi::Invocation op, std::uint8_t length,
                            std::initializer_list<std::uint64_t> words) {
    Tcb& t = running();
    Kernel& k = sys.kernel();
    t.context.rax = static_cast<std::uint64_t>(abi::Syscall::call);
    t.context.rdi = cptr;
    t.context.rsi = label(op, length).encode();
    unsigned i = 0;
    for (std::uint64_t w : words) {
        set_message_word(t, i++, w);
    }
    t.context.rip += 2;
    t.fast_return = true;
    const std::vector<std::uint8_t> memory(arch::sim::memory, arch::sim::memory + arch::sim::memory_size);
    std::vector<std::uint8_t> kernel_bytes(sizeof(Kernel));
    std::memcpy(kernel_bytes.data(), static_cast<const void*>(&k), sizeof(Kernel));

    k.handle_syscall();
    k.schedule();

    const auto* registers = reinterpret_cast<const std::uint8_t*>(&t.context);
    std::vector<std::uint8_t> expected = memory;
    std::memcpy(expected.data() + (registers - arch::sim::memory), registers, sizeof(t.context));
    EXPECT_EQ(std::memcmp(expected.data(), arch::sim::memory, expected.size()), 0)
        << "a refused invocation changed memory";
    EXPECT_EQ(std::memcmp(kernel_bytes.data(), static_cast<const void*>(&k), sizeof(Kernel)), 0)
        << "a refused invocation changed the kernel's state";
    EXPECT_EQ(k.current, &t);
    return static_cast<Status>(t.context.rax);
}

}  // namespace septum::kernel::sim
