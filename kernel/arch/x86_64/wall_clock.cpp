#include "wall_clock.hpp"

#include "cpu.hpp"
#include "septum/lib/cmos_clock.hpp"

namespace septum::arch::wall_clock {

namespace {

constexpr std::uint16_t port_index = 0x70;
constexpr std::uint16_t port_data = 0x71;
constexpr unsigned century = 20;
// An update keeps UIP set for at most 2,228 µs; a poll is two port
// accesses of about a microsecond each on hardware. Bounded, so that a
// machine whose clock never ends its update still boots.
constexpr unsigned max_polls = 100'000;
// Two reads that differ mean an update came between them; a second try
// then falls inside one second.
constexpr unsigned max_tries = 4;

// Bit 7 of the index stays clear: NMIs stay enabled.
std::uint8_t read_register(std::uint8_t index) {
    outb(port_index, index);
    return inb(port_data);
}

// Waits for the update-in-progress bit to clear: from then on the time
// registers hold still for at least 244 µs (MC146818A data sheet, tBUC).
bool wait_for_no_update() {
    for (unsigned i = 0; i < max_polls; ++i) {
        if ((read_register(cmos::reg::a) & cmos::a_uip) == 0) {
            return true;
        }
        pause();
    }
    return false;
}

cmos::TimeRegisters snapshot() {
    const std::uint8_t b = read_register(cmos::reg::b);
    return cmos::TimeRegisters{read_register(cmos::reg::seconds),         read_register(cmos::reg::minutes),
                               read_register(cmos::reg::hours),           read_register(cmos::reg::day),
                               read_register(cmos::reg::month),           read_register(cmos::reg::year),
                               cmos::encode(century, cmos::format_of(b)), b};
}

}  // namespace

bool read(Reading& out) {
    for (unsigned attempt = 0; attempt < max_tries; ++attempt) {
        if (!wait_for_no_update()) {
            return false;
        }
        const cmos::TimeRegisters first = snapshot();
        const std::uint64_t tsc = rdtsc();
        if (!wait_for_no_update()) {
            return false;
        }
        if (snapshot() != first) {
            continue;
        }
        if (!cmos::date_of(first, out.date)) {
            return false;
        }
        out.unix_seconds = calendar::unix_seconds(out.date);
        out.tsc = tsc;
        return true;
    }
    return false;
}

}  // namespace septum::arch::wall_clock
