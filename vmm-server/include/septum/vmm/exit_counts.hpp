// Exits counted by reason: what a guest costs its VMM, for the bench
// (bench/linux_bench.py) and for anyone comparing two VMMs. The VMM's run
// loop counts every return of its run call, one array increment on the hot
// path; the counts are written out on request (the bench port,
// vmm-server/program/bench.hpp) and when the guest stops, in bench mode
// (abi::cell_flags::bench). A reader takes the difference of two writes.
//
// Buckets: each basic VM-exit reason the table in abi/vmx_exit.hpp knows,
// one for every other basic reason, and the two run returns that are not
// VM exits: a signal to the VMM (console input) and the VMM's own deadline
// (its guest's next timer event).
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/abi/vmx_exit.hpp>

#include <cstddef>
#include <cstdint>

#include "console.hpp"

namespace septum::vmm {

class ExitCounts {
public:
    static constexpr std::size_t unknown = abi::max_known_vmx_exit + 1;  // a basic reason the table lacks
    static constexpr std::size_t signal = unknown + 1;                   // abi::exit_reason_signal
    static constexpr std::size_t deadline = signal + 1;                  // abi::exit_reason_deadline
    static constexpr std::size_t buckets = deadline + 1;

    // `reason` as ExitInfo::reason reports it (entry failures count by
    // their basic reason).
    void count(std::uint32_t reason) { ++counts_[bucket(reason)]; }

    [[nodiscard]] static std::size_t bucket(std::uint32_t reason) {
        if (reason == abi::exit_reason_signal) {
            return signal;
        }
        if (reason == abi::exit_reason_deadline) {
            return deadline;
        }
        const std::uint16_t basic = abi::ExitReason{reason}.basic();
        return basic <= abi::max_known_vmx_exit ? basic : unknown;
    }
    [[nodiscard]] std::uint64_t of(std::size_t bucket) const { return bucket < buckets ? counts_[bucket] : 0; }
    // Every run return, VM exit or not.
    [[nodiscard]] std::uint64_t total() const;
    // The bucket's name: the VmxExit enumerator's (hlt, wrmsr, ...),
    // "unknown", "signal", "deadline"; nullptr for a number the table
    // skips (35, 38, 42, 65).
    [[nodiscard]] static const char* name(std::size_t bucket);

    // One line per bucket that is not zero, then the total, each
    // "vmm: exits NAME COUNT" with `tag` after "exits" when it is not empty
    // ("vmm: exits stop hlt 12"); a basic reason the table skips is
    // "reason-N".
    void write(Console& console, const char* tag) const;

private:
    std::uint64_t counts_[buckets] = {};
};

}  // namespace septum::vmm
