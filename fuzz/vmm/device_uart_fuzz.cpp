// The UART fuzzer: register reads and writes of any width, console input
// and resets in any order, against a shadow of what must hold: every byte
// the receiver took (from the VMM, or from the transmitter in loopback)
// comes out of RBR once and in order unless the guest emptied the FIFO;
// every byte transmitted outside loopback reaches the console, in order;
// the receiver takes exactly what it has room for; the interrupt line
// changes only when its level does and follows the chip's state.
#include <septum/vmm/uart16550.hpp>

#include <cstdint>
#include <deque>
#include <string>

#include "device_fuzz.hpp"
#include "device_oracles.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {
namespace {

struct StringConsole final : vmm::Console {
    std::string out;
    void put(const char* bytes, std::size_t length) override { out.append(bytes, length); }
};

struct Line final : vmm::InterruptLines {
    bool level = false;
    void set_line(unsigned line, bool asserted) override {
        if (line != 4 || asserted == level) {
            violated("UART drove line %u to %u, already there", line, asserted);
        }
        level = asserted;
    }
};

// The guest-visible state the shadow needs, as the guest wrote it.
struct Shadow {
    std::deque<std::uint8_t> received;
    std::string transmitted;
    std::uint8_t lcr = 0, mcr = 0;
    bool fifo = false;

    [[nodiscard]] bool dlab() const { return (lcr & 0x80) != 0; }
    [[nodiscard]] bool loopback() const { return (mcr & 0x10) != 0; }
    [[nodiscard]] std::size_t capacity() const { return fifo ? vmm::Uart16550::fifo_size : 1; }

    void write(std::uint64_t reg, std::uint8_t byte) {
        switch (reg) {
            case 0:
                if (dlab()) {
                    break;
                }
                if (!loopback()) {
                    transmitted += static_cast<char>(byte);
                } else if (received.size() < capacity()) {
                    received.push_back(byte);  // a full receiver overruns: the byte is lost
                }
                break;
            case 2: {
                const bool enable = (byte & 1) != 0;
                if (enable != fifo || (byte & 3) == 3) {
                    received.clear();
                }
                fifo = enable;
                break;
            }
            case 3:
                lcr = byte;
                break;
            case 4:
                mcr = byte & 0x1f;
                break;
            default:
                break;
        }
    }
};

}  // namespace
}  // namespace septum::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    StringConsole console;
    Line line;
    vmm::Uart16550 uart{console, vmm::IrqLine{&line, 4}};
    Shadow shadow;
    for (unsigned op = 0; op < 4096 && !source.empty(); ++op) {
        const std::uint8_t kind = source.u8() % 8;
        const std::uint64_t reg = source.u8() % vmm::Uart16550::register_count;
        const unsigned width = access_size(source);
        if (kind < 3) {
            const std::uint64_t value = source.value();
            shadow.write(reg, static_cast<std::uint8_t>(value));
            if (uart.write(reg, width, value) != vmm::Outcome::resume()) {
                violated("a UART write did not resume");
            }
        } else if (kind < 6) {
            const std::uint64_t got = uart.read(reg, width);
            if (got > 0xff) {
                violated("UART read %#llx, wider than a byte", static_cast<unsigned long long>(got));
            }
            if (reg == 0 && !shadow.dlab()) {
                const std::uint64_t want = shadow.received.empty() ? 0 : shadow.received.front();
                if (!shadow.received.empty()) {
                    shadow.received.pop_front();
                }
                if (got != want) {
                    violated("RBR read %#llx, the receiver got %#llx", static_cast<unsigned long long>(got),
                             static_cast<unsigned long long>(want));
                }
            }
        } else if (kind == 6) {
            std::uint8_t bytes[40];
            const std::size_t n = source.u8() % sizeof bytes;
            source.bytes(bytes, n);
            const std::size_t room = shadow.loopback() ? 0 : shadow.capacity() - shadow.received.size();
            const std::size_t taken = uart.receive(bytes, n);
            if (taken != (n < room ? n : room)) {
                violated("the receiver took %zu of %zu with room for %zu", taken, n, room);
            }
            shadow.received.insert(shadow.received.end(), bytes, bytes + taken);
        } else if (source.one_in(4)) {
            uart.reset();
            shadow = Shadow{{}, shadow.transmitted};
        }
        check_uart(uart, "UART");
        if (line.level != uart.irq_asserted()) {
            violated("the line is %u, the UART says %u", line.level, uart.irq_asserted());
        }
        if (uart.input_count() != shadow.received.size() || console.out != shadow.transmitted) {
            violated("receiver holds %zu (expected %zu), console %zu bytes (expected %zu)", uart.input_count(),
                     shadow.received.size(), console.out.size(), shadow.transmitted.size());
        }
    }
    return 0;
}
