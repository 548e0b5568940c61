// A whole capability system on the host: memory, the Authority, and a CSpace
// root slot (the one a TCB would hold), set up the way the root task finds it.
//
// Initial state:
//   cspace_root : CNode R (2^root_radix slots, no guard), an initial capability
//   R[0]        : Untyped U of 2^untyped_bits bytes, an initial capability
//   R[1]        : a copy of cspace_root, so the CSpace can name R itself
//   R[2], R[3]  : with_devices: IOPortRange 0x60..0x6F and IRQHandler 4
#pragma once

#include <cstdint>
#include <memory>

#include "host_machine.hpp"
#include "septum/caps/authority.hpp"

namespace septum::caps::proofs {

struct Config {
    std::uint8_t root_radix = 2;
    std::uint8_t untyped_bits = 13;
    bool with_devices = false;
};

// Where a slot is: the CNode it belongs to and its index. The CSpace root
// slot, which lives outside every CNode, is {0, 0}.
struct SlotKey {
    PhysAddr container = 0;
    std::uint64_t index = 0;

    auto operator<=>(const SlotKey&) const = default;
};

constexpr SlotKey cspace_root_key{0, 0};
constexpr PhysAddr memory_base = 0x100000;

class System {
public:
    explicit System(const Config& config);
    System(const System&) = delete;
    System& operator=(const System&) = delete;

    testing::HostMachine& machine() { return *machine_; }
    const testing::HostMachine& machine() const { return *machine_; }
    Authority& authority() { return *authority_; }
    const Authority& authority() const { return *authority_; }
    Slot& cspace_root() { return cspace_root_; }
    const Slot& cspace_root() const { return cspace_root_; }
    const Config& config() const { return config_; }

    PhysAddr root_cnode() const { return root_cnode_; }
    PhysAddr untyped_base() const { return untyped_base_; }

    // The key of a slot pointer into this system; {~0, ~0} if it is none of
    // its slots (a wild pointer: a checker reports it).
    SlotKey key_of(const Slot* slot) const;
    // The slot for a key, or nullptr if no live CNode holds it.
    Slot* slot_at(SlotKey key);

private:
    Config config_;
    std::unique_ptr<testing::HostMachine> machine_;
    std::unique_ptr<Authority> authority_;
    Slot cspace_root_{};
    PhysAddr root_cnode_ = 0;
    PhysAddr untyped_base_ = 0;
};

constexpr SlotKey no_slot{~PhysAddr{0}, ~std::uint64_t{0}};

}  // namespace septum::caps::proofs
