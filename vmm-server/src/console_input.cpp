#include <septum/vmm/console_input.hpp>

namespace septum::vmm {

std::uint64_t ConsoleInput::waiting() const {
    const std::uint64_t written = *static_cast<const volatile std::uint64_t*>(&ring_.written);
    if (written < read_ || written - read_ > abi::InputRing::size) {
        return 0;  // not a count the root task writes
    }
    return written - read_;
}

std::size_t ConsoleInput::feed(Uart16550& uart) {
    const std::uint64_t available = waiting();
    const std::size_t room = uart.input_room();
    std::uint8_t bytes[Uart16550::fifo_size];
    std::size_t n = 0;
    // The bytes are read after the count: the root task writes a byte
    // before it counts it.
    asm volatile("" ::: "memory");
    for (; n < available && n < room && n < sizeof bytes; ++n) {
        bytes[n] = static_cast<std::uint8_t>(ring_.bytes[(read_ + n) % abi::InputRing::size]);
    }
    const std::size_t taken = n == 0 ? 0 : uart.receive(bytes, n);
    if (taken != 0) {
        read_ += taken;
        // The root task reuses the bytes' places only after it sees them
        // taken.
        asm volatile("" ::: "memory");
        *static_cast<volatile std::uint64_t*>(&ring_.read) = read_;
    }
    return taken;
}

}  // namespace septum::vmm
