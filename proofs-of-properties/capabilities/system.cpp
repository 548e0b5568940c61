#include "system.hpp"

#include <cstdlib>

namespace septum::caps::proofs {

namespace {

std::uint64_t align_up(std::uint64_t value, std::uint8_t bits) {
    const std::uint64_t align = std::uint64_t{1} << bits;
    return (value + align - 1) & ~(align - 1);
}

void must(Status status) {
    if (status != Status::ok) {
        std::abort();  // the initial state is fixed; failing to build it is a harness bug
    }
}

}  // namespace

System::System(const Config& config) : config_{config} {
    const std::uint8_t cnode_bits = static_cast<std::uint8_t>(config.root_radix + slot_bits);
    root_cnode_ = align_up(memory_base, cnode_bits);
    untyped_base_ = align_up(root_cnode_ + (std::uint64_t{1} << cnode_bits), config.untyped_bits);
    const std::uint64_t end = untyped_base_ + (std::uint64_t{1} << config.untyped_bits);
    machine_ = std::make_unique<testing::HostMachine>(memory_base, end - memory_base);
    authority_ = std::make_unique<Authority>(*machine_);

    Capability root = capability_for_new_object(ObjectKind::cnode, root_cnode_, cnode_bits);
    must(authority_->create_initial(cspace_root_, root));
    Slot* slots = machine_->cnode_slots(root_cnode_);
    Capability untyped = capability_for_new_object(ObjectKind::untyped, untyped_base_, config.untyped_bits);
    must(authority_->create_initial(slots[0], untyped));
    must(authority_->copy(cspace_root_, slots[1]));
    if (config.with_devices && config.root_radix >= 2) {
        Capability ports = capability_for_new_object(ObjectKind::io_port_range, 0x60, 0);
        ports.last_port = 0x6F;
        must(authority_->create_initial(slots[2], ports));
        must(authority_->create_initial(slots[3], capability_for_new_object(ObjectKind::irq_handler, 4, 0)));
    }
}

SlotKey System::key_of(const Slot* slot) const {
    if (slot == &cspace_root_) {
        return cspace_root_key;
    }
    const auto* bytes = reinterpret_cast<const std::byte*>(slot);
    const auto* memory = const_cast<testing::HostMachine&>(*machine_).memory();
    if (bytes < memory || bytes >= memory + machine_->bytes()) {
        return no_slot;
    }
    const PhysAddr address = machine_->base() + static_cast<std::uint64_t>(bytes - memory);
    for (const auto& [record, count] : machine_->live()) {
        if (record.kind == ObjectKind::cnode && address >= record.object &&
            address < record.object + (std::uint64_t{1} << record.size_bits)) {
            const std::uint64_t offset = address - record.object;
            if (offset % sizeof(Slot) != 0) {
                return no_slot;
            }
            return SlotKey{record.object, offset >> slot_bits};
        }
    }
    return no_slot;
}

Slot* System::slot_at(SlotKey key) {
    if (key == cspace_root_key) {
        return &cspace_root_;
    }
    for (const auto& [record, count] : machine_->live()) {
        if (record.kind == ObjectKind::cnode && record.object == key.container &&
            key.index < (std::uint64_t{1} << (record.size_bits - slot_bits))) {
            return machine_->cnode_slots(record.object) + key.index;
        }
    }
    return nullptr;
}

}  // namespace septum::caps::proofs
