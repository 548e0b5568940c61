// Record mode: each exit the VMM handles written out as one line, so that
// exits from real runs become fuzz seeds (tools/exit-log-to-corpus turns a
// console log into corpus files; docs/fuzzing.md). A record is the state
// the kernel returned, the exit information and the guest memory the
// handlers read, in the byte layout the exit fuzzers read as their
// "recorded" form:
//
//   byte      version (record_version)
//   2 bytes   sizeof(abi::VcpuState), 2 bytes sizeof(abi::ExitInfo)
//             (little-endian), so a reader needs no copy of the layout
//   bytes     abi::VcpuState, then abi::ExitInfo, as they are in memory
//   byte      number of reads (at most max_reads)
//   per read  guest-physical address (8 bytes, little-endian), length
//             (1 byte, at most max_read_length), the bytes read
//
// On the console a record is the prefix "vmm-exit " and the bytes in
// lower-case hex, one line per exit. The VMM writes records when its cell
// has abi::cell_flags::record_exits (docs/fuzzing.md, "Record mode").
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/caps/status.hpp>

#include <cstddef>
#include <cstdint>

#include "console.hpp"
#include "guest.hpp"
#include "guest_memory.hpp"
#include "outcome.hpp"
#include "vcpu.hpp"

namespace septum::vmm {

inline constexpr std::uint8_t record_version = 1;
inline constexpr char record_prefix[] = "vmm-exit ";

class ExitRecord {
public:
    static constexpr std::size_t max_reads = 16;
    static constexpr std::size_t max_read_length = 32;

    struct Read {
        std::uint64_t gpa;
        std::uint8_t length;
        std::uint8_t bytes[max_read_length];
    };

    // Starts a record of an exit: the state and exit information the kernel
    // returned (before the handlers change them).
    void begin(const abi::VcpuState& state, const abi::ExitInfo& exit);
    // Keeps what a handler read; reads beyond the limits are left out (a
    // replay then reads zeros there).
    void add_read(std::uint64_t gpa, const void* bytes, std::size_t length);
    // Writes the record as one console line.
    void write(Console& console) const;

    [[nodiscard]] const abi::VcpuState& state() const { return state_; }
    [[nodiscard]] const abi::ExitInfo& exit() const { return exit_; }
    [[nodiscard]] std::size_t read_count() const { return count_; }
    [[nodiscard]] const Read& read(std::size_t i) const { return reads_[i]; }

private:
    abi::VcpuState state_{};
    abi::ExitInfo exit_{};
    Read reads_[max_reads] = {};
    std::size_t count_ = 0;
};

// Guest memory that passes every access through and copies what was read
// into the record.
class RecordingGuestMemory final : public GuestMemory {
public:
    RecordingGuestMemory(GuestMemory& memory, ExitRecord& record) : memory_{memory}, record_{record} {}

    Status read(std::uint64_t gpa, void* out, std::size_t length) const override;
    Status write(std::uint64_t gpa, const void* in, std::size_t length) override {
        return memory_.write(gpa, in, length);
    }
    [[nodiscard]] bool contains(std::uint64_t gpa, std::uint64_t length) const override {
        return memory_.contains(gpa, length);
    }

private:
    GuestMemory& memory_;
    ExitRecord& record_;
};

// handle_exit (exit.hpp) that, when on, first writes the exit out: the
// state and exit the kernel returned and the guest memory the handlers
// read. Off, it is handle_exit alone.
class ExitRecorder {
public:
    ExitRecorder(Console& console, bool on) : console_{console}, on_{on} {}

    Outcome handle_exit(Guest& guest, Vcpu& vcpu, GuestMemory& memory);

private:
    Console& console_;
    bool on_;
    ExitRecord record_;
};

}  // namespace septum::vmm
