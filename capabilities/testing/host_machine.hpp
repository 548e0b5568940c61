// A Machine for host tests, checkers, fuzzers and benchmarks: "physical
// memory" is one heap array, and every object the library makes or destroys
// is recorded, so checkers can compare the capabilities with the objects.
//
// Host-only: built into capabilities_testing_lib, never into the kernel.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "septum/caps/machine.hpp"
#include "septum/caps/slot.hpp"

namespace septum::caps::testing {

struct ObjectRecord {
    ObjectKind kind = ObjectKind::null;
    PhysAddr object = 0;
    std::uint8_t size_bits = 0;
    std::uint16_t last_port = 0;

    auto key() const { return std::tuple(object, kind, size_bits, last_port); }
    bool operator<(const ObjectRecord& other) const { return key() < other.key(); }
    bool operator==(const ObjectRecord& other) const { return key() == other.key(); }
};

ObjectRecord record_of(const Capability& cap);

class HostMachine final : public Machine {
public:
    // Physical memory [base, base + bytes); bytes is rounded up to a slot.
    HostMachine(PhysAddr base, std::uint64_t bytes);
    ~HostMachine();
    HostMachine(const HostMachine&) = delete;
    HostMachine& operator=(const HostMachine&) = delete;

    Slot* cnode_slots(PhysAddr object) override;
    void object_created(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) override;
    void object_destroyed(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) override;
    void capability_deleted(const Capability&) override { ++capabilities_deleted_; }
    std::uint64_t capabilities_deleted() const { return capabilities_deleted_; }

    // Objects made and not yet destroyed, each once.
    const std::map<ObjectRecord, int>& live() const { return live_; }
    bool is_live(const ObjectRecord& record) const;
    // Errors the library made against the machine contract (destroying what
    // is not live, creating twice, a CNode outside memory). Empty when sound.
    const std::vector<std::string>& faults() const { return faults_; }
    std::uint64_t created_count() const { return created_; }
    std::uint64_t destroyed_count() const { return destroyed_; }

    PhysAddr base() const { return base_; }
    std::uint64_t bytes() const { return bytes_; }
    bool contains(PhysAddr object, std::uint64_t size) const;

    // The raw memory, for snapshots of the whole state (exhaustive checker).
    std::byte* memory() { return memory_.get(); }

    // Port ranges and IRQ lines are named by number, not memory; creating
    // the initial ones goes through object_created like any other.
    void clear_records() {
        live_.clear();
        faults_.clear();
    }
    // Snapshot support: the records are plain values.
    struct Records {
        std::map<ObjectRecord, int> live;
        std::vector<std::string> faults;
        std::uint64_t created = 0;
        std::uint64_t destroyed = 0;
    };
    Records save_records() const { return Records{live_, faults_, created_, destroyed_}; }
    void restore_records(const Records& records);

private:
    struct FreeDeleter {
        void operator()(std::byte* p) const;
    };
    PhysAddr base_;
    std::uint64_t bytes_;
    std::unique_ptr<std::byte, FreeDeleter> memory_;
    std::map<ObjectRecord, int> live_;
    std::vector<std::string> faults_;
    std::uint64_t created_ = 0;
    std::uint64_t destroyed_ = 0;
    std::uint64_t capabilities_deleted_ = 0;
};

}  // namespace septum::caps::testing
