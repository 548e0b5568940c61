#include "host_machine.hpp"

#include <cstdlib>
#include <cstring>

namespace septum::caps::testing {

namespace {

std::string describe(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) {
    return std::string(kind_name(kind)) + "@" + std::to_string(object) + "/" + std::to_string(size_bits);
}

}  // namespace

ObjectRecord record_of(const Capability& cap) {
    ObjectRecord record{cap.kind, cap.object, cap.size_bits, 0};
    if (cap.kind == ObjectKind::io_port_range) {
        record.last_port = cap.last_port;
    }
    return record;
}

void HostMachine::FreeDeleter::operator()(std::byte* p) const { std::free(p); }

HostMachine::HostMachine(PhysAddr base, std::uint64_t bytes)
    : base_{base}, bytes_{(bytes + sizeof(Slot) - 1) / sizeof(Slot) * sizeof(Slot)} {
    constexpr std::size_t alignment = std::size_t{1} << slot_bits;
    const std::size_t rounded = (bytes_ + alignment - 1) / alignment * alignment;
    memory_.reset(static_cast<std::byte*>(std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded)));
    std::memset(memory_.get(), 0, rounded);
}

HostMachine::~HostMachine() = default;

bool HostMachine::contains(PhysAddr object, std::uint64_t size) const {
    return object >= base_ && size <= bytes_ && object - base_ <= bytes_ - size;
}

Slot* HostMachine::cnode_slots(PhysAddr object) {
    if (!contains(object, sizeof(Slot))) {
        faults_.push_back("cnode_slots outside memory: " + std::to_string(object));
        std::abort();  // the library would dereference wild memory
    }
    return reinterpret_cast<Slot*>(memory_.get() + (object - base_));
}

void HostMachine::object_created(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) {
    ++created_;
    if (kind == ObjectKind::cnode && !contains(object, std::uint64_t{1} << size_bits)) {
        faults_.push_back("cnode created outside memory: " + describe(kind, object, size_bits));
        std::abort();
    }
    // The kernel would zero the object here; CNode slots are placed by the
    // library right after, so there is nothing for the host to do.
    ObjectRecord record{kind, object, size_bits, 0};
    if (live_.count(record) != 0) {
        faults_.push_back("created twice: " + describe(kind, object, size_bits));
    }
    ++live_[record];
}

void HostMachine::object_destroyed(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) {
    ++destroyed_;
    auto it = live_.find(ObjectRecord{kind, object, size_bits, 0});
    if (it == live_.end()) {
        faults_.push_back("destroyed but not live: " + describe(kind, object, size_bits));
        return;
    }
    if (--it->second == 0) {
        live_.erase(it);
    }
}

bool HostMachine::is_live(const ObjectRecord& record) const {
    ObjectRecord key = record;
    key.last_port = 0;  // the machine sees no port range end
    return live_.count(key) != 0;
}

void HostMachine::restore_records(const Records& records) {
    live_ = records.live;
    faults_ = records.faults;
    created_ = records.created;
    destroyed_ = records.destroyed;
}

}  // namespace septum::caps::testing
