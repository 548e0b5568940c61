// Bench mode (abi::cell_flags::bench): what the VMM tells the bench
// (bench/linux_bench.py) beyond what its guest prints. Its exit counts by
// reason (vmm/exit_counts.hpp) go to the console, tagged, when the guest
// writes a byte to the bench port (a Linux guest: `dd if=/dev/zero
// of=/dev/port bs=1 count=1 seek=480`, port 0x1e0, which no PC device
// uses) and when the guest stops; the bench takes differences between two
// writes. Off bench mode the port is not there (an access to it is an
// access to no device) and nothing is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "septum/lib/format.hpp"
#include "septum/vmm/bus.hpp"
#include "septum/vmm/console.hpp"
#include "septum/vmm/exit_counts.hpp"

namespace septum::vmm_program {

class BenchPort final : public vmm::Device {
public:
    static constexpr std::uint16_t port = 0x1e0;
    static constexpr std::uint64_t width = 1;

    BenchPort(const vmm::ExitCounts& counts, vmm::Console& console) : counts_{counts}, console_{console} {}

    std::uint64_t read(std::uint64_t /*offset*/, unsigned /*size*/) override { return 0; }
    // The byte written tags the lines ("vmm: exits port-1 hlt 12"), so that
    // a script can write 1 before what it measures and 2 after it.
    vmm::Outcome write(std::uint64_t /*offset*/, unsigned /*size*/, std::uint64_t value) override {
        Tag tag;
        format_to(tag, "port-{}", value & 0xff);
        counts_.write(console_, tag.text);
        return vmm::Outcome::resume();
    }
    // The guest stopped: the counts of its whole run.
    void stopped() const { counts_.write(console_, "stop"); }

private:
    struct Tag {
        char text[16] = {};
        std::size_t used = 0;
        void put(const char* bytes, std::size_t length) {
            for (std::size_t i = 0; i < length && used + 1 < sizeof text; ++i) {
                text[used++] = bytes[i];
            }
        }
    };

    const vmm::ExitCounts& counts_;
    vmm::Console& console_;
};

}  // namespace septum::vmm_program
