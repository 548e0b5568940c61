// The state an exit does not bring back. The kernel stores only the parts
// state_needed() names for the exit's reason (abi::VcpuPage::want_by_reason);
// the rest of the state page is an older exit's, and a handler must fetch
// it (Vcpu::fetch) before it reads it. The fuzzers fill those parts with
// poison and serve fetches from the true state, failing now and then as
// the input says; an exit must hand back only parts it had.
#pragma once

#include <septum/abi/vcpu.hpp>
#include <septum/vmm/vcpu.hpp>

#include <cstdint>

#include "source.hpp"

namespace septum::fuzz {

class LazyState final : public vmm::StateSource {
public:
    LazyState(Source& source, abi::VcpuPage& page) : source_{source}, page_{page} {}

    // Before an exit with `reason`: keeps the true state and poisons what
    // the exit does not bring. Returns the parts that arrived.
    std::uint64_t arrive(std::uint32_t reason);
    // After the exit: the parts never fetched nor handed back (`dirty`)
    // are the true ones again, as the kernel still has them. Returns what
    // arrived or was fetched.
    std::uint64_t settle(std::uint64_t dirty);

    bool read(std::uint64_t mask) override;

private:
    Source& source_;
    abi::VcpuPage& page_;
    abi::VcpuState truth_{};
    std::uint64_t had_ = 0;
};

}  // namespace septum::fuzz
