// Simulated CPU state for the host build: registers are variables and port
// I/O goes to an array, so kernel code that touches them runs unchanged.
#pragma once

#include <cstdint>

namespace septum::arch {

namespace sim {
inline std::uint64_t cr3 = 0;
inline std::uint64_t tlb_flushes = 0;
inline std::uint8_t ports[0x10000] = {};
}  // namespace sim

inline std::uint64_t read_cr3() { return sim::cr3; }
inline void write_cr3(std::uint64_t v) {
    sim::cr3 = v;
    ++sim::tlb_flushes;
}
inline void invlpg(const void*) { ++sim::tlb_flushes; }
inline void invept_all() { ++sim::tlb_flushes; }

inline std::uint8_t inb(std::uint16_t port) { return sim::ports[port]; }
inline std::uint16_t inw(std::uint16_t port) { return sim::ports[port]; }
inline std::uint32_t inl(std::uint16_t port) { return sim::ports[port]; }
inline void outb(std::uint16_t port, std::uint8_t v) { sim::ports[port] = v; }
inline void outw(std::uint16_t port, std::uint16_t v) { sim::ports[port] = static_cast<std::uint8_t>(v); }
inline void outl(std::uint16_t port, std::uint32_t v) { sim::ports[port] = static_cast<std::uint8_t>(v); }

}  // namespace septum::arch
