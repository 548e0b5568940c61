// Bench mode (abi::cell_flags::bench): what the VMM tells the bench
// (bench/linux_bench.py) beyond what its guest prints.
// - Its exit counts by reason (vmm/exit_counts.hpp) go to the console,
//   tagged, when the guest writes a byte to the bench port (a Linux guest:
//   `printf '\001' | dd of=/dev/port bs=1 seek=480`, port 0x1e0, which no
//   PC device uses) and when the guest stops; the bench takes differences
//   between two writes.
// - Each console line begins with the TSC at which its first byte was
//   written (RingConsole, host.hpp), so the guest's own lines mark
//   moments: "@TSC text".
// - The TSC just before the first entry into the guest, and every pause
//   of the cell off the CPU (PauseWatch): the marks of the boot figure.
// The VMM's own lines begin on a line of their own, even when the guest
// is in the middle of one.
// Off bench mode the port is not there (an access to it is an access to no
// device), lines are not stamped and nothing is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host.hpp"
#include "septum/lib/format.hpp"
#include "septum/vmm/bus.hpp"
#include "septum/vmm/exit_counts.hpp"

namespace septum::vmm_program {

// A console line assembled before it is written, so that it reaches the
// console in one piece (and with one stamp).
struct BenchLine {
    char text[96] = {};
    std::size_t used = 0;
    void put(const char* bytes, std::size_t length) {
        for (std::size_t i = 0; i < length && used + 1 < sizeof text; ++i) {
            text[used++] = bytes[i];
        }
    }
};

class BenchPort final : public vmm::Device {
public:
    static constexpr std::uint16_t port = 0x1e0;
    static constexpr std::uint64_t width = 1;

    BenchPort(const vmm::ExitCounts& counts, RingConsole& console) : counts_{counts}, console_{console} {}

    std::uint64_t read(std::uint64_t /*offset*/, unsigned /*size*/) override { return 0; }
    // The byte written tags the lines ("vmm: exits port-1 hlt 12"), so that
    // a script can write 1 before what it measures and 2 after it.
    vmm::Outcome write(std::uint64_t /*offset*/, unsigned /*size*/, std::uint64_t value) override {
        BenchLine tag;
        format_to(tag, "port-{}", value & 0xff);
        console_.begin_line();
        counts_.write(console_, tag.text);
        return vmm::Outcome::resume();
    }
    // The guest stopped: the counts of its whole run.
    void stopped() const {
        console_.begin_line();
        counts_.write(console_, "stop");
    }

private:
    const vmm::ExitCounts& counts_;
    RingConsole& console_;
};

// Pauses of the cell off the CPU, as its VMM sees them. A guest may run
// long without an exit (Linux patches its text for a second of TSC early
// in its boot), so in bench mode no run of a running guest lasts longer
// than `slice` ticks: its deadline is at most that far after the last
// return. Any gap between two returns much longer than that (over
// `threshold`: a run, or the VMM's short step between two) is then time
// in which this cell had no CPU: its budget spent (a throttle, as long as
// the budget's period less the budget: one second for the bench's tenant)
// or another cell running. A run that waited for a halted guest is its
// guest's idle time, not a pause. A pause reported holds at most one
// slice of the guest's own work (what ran before the pause in that run;
// after it the deadline has passed and the run returns at once). The cost
// in bench mode: a deadline return per slice while the guest runs, and
// per exit one RDTSC and a comparison.
class PauseWatch {
public:
    PauseWatch(RingConsole& console, std::uint64_t slice, std::uint64_t threshold)
        : console_{console}, slice_{slice}, threshold_{threshold} {}

    // Just before the first run call.
    void entering(std::uint64_t now) { last_ = entered_ = now; }
    // The deadline of the next run, given the devices' (0: none).
    [[nodiscard]] std::uint64_t deadline(std::uint64_t devices, bool halted) const {
        const std::uint64_t end = last_ + slice_;
        return halted || (devices != 0 && devices < end) ? devices : end;
    }
    // After each run call; `waited`: it was a wait for a halted guest.
    void returned(std::uint64_t now, bool waited) {
        if (entered_ != 0) {
            write("vmm: bench: guest entered at TSC {}\n", entered_, 0);
            entered_ = 0;
        }
        if (!waited && now - last_ > threshold_) {
            write("vmm: bench: off the CPU for {} ticks before TSC {}\n", now - last_, now);
        }
        last_ = now;
    }

private:
    void write(const char* format, std::uint64_t a, std::uint64_t b) {
        BenchLine line;
        format_to(line, format, a, b);
        console_.begin_line();
        console_.put(line.text, line.used);
    }

    RingConsole& console_;
    std::uint64_t slice_;
    std::uint64_t threshold_;
    std::uint64_t last_ = 0;
    std::uint64_t entered_ = 0;
};

}  // namespace septum::vmm_program
