#include "septum/caps/object_kind.hpp"

namespace septum::caps {

namespace {

struct KindInfo {
    const char* name;
    std::uint8_t size_bits;  // fixed size; 0 if variable or no memory
    bool memory;
    bool derivable;
    Rights rights;
};

constexpr Rights rw = Rights::read | Rights::write;
constexpr Rights ipc = Rights::read | Rights::write | Rights::grant | Rights::grant_reply;
constexpr Rights rwx = Rights::read | Rights::write | Rights::execute;

// Sizes: TCB 2 KiB as in seL4 x86_64; VCPU 8 KiB = the 4 KiB VMCS region
// (SDM 24.2: 4 KiB aligned) plus a page of kernel-side guest state; every
// paging structure, VMX or not, is one 4 KiB table (SDM 4.5, 28.3.2).
constexpr KindInfo kinds[kind_count] = {
    {"null", 0, false, false, Rights::none},
    {"untyped", 0, true, false, Rights::none},
    {"cnode", 0, true, true, Rights::none},
    {"tcb", 11, true, true, Rights::none},
    {"endpoint", 4, true, true, ipc},
    {"notification", 5, true, true, rw},
    {"reply", 5, true, false, Rights::grant},
    {"frame_4k", 12, true, true, rwx},
    {"frame_2m", 21, true, true, rwx},
    {"pml4", 12, true, true, Rights::none},
    {"pdpt", 12, true, true, Rights::none},
    {"page_directory", 12, true, true, Rights::none},
    {"page_table", 12, true, true, Rights::none},
    {"io_port_range", 0, false, true, Rights::none},
    {"irq_handler", 0, false, true, Rights::none},
    {"vcpu", 13, true, true, Rights::none},
    {"guest_memory", 12, true, true, Rights::none},
    {"ept_pdpt", 12, true, true, Rights::none},
    {"ept_pd", 12, true, true, Rights::none},
    {"ept_pt", 12, true, true, Rights::none},
    {"sched_context", 8, true, true, Rights::none},
};

const KindInfo& info(ObjectKind kind) {
    auto index = static_cast<std::uint8_t>(kind);
    return kinds[index < kind_count ? index : 0];
}

}  // namespace

std::uint8_t fixed_size_bits(ObjectKind kind) { return info(kind).size_bits; }
bool is_memory_kind(ObjectKind kind) { return info(kind).memory; }
bool is_derivable(ObjectKind kind) { return info(kind).derivable; }
Rights meaningful_rights(ObjectKind kind) { return info(kind).rights; }
const char* kind_name(ObjectKind kind) { return info(kind).name; }

ObjectKind kind_from_raw(std::uint64_t raw_kind) {
    if (raw_kind == 0 || raw_kind >= kind_count) {
        return ObjectKind::null;
    }
    return static_cast<ObjectKind>(raw_kind);
}

std::uint8_t retype_size_bits(ObjectKind kind, std::uint64_t raw_size_arg) {
    switch (kind) {
        case ObjectKind::untyped:
            if (raw_size_arg < min_untyped_bits || raw_size_arg > max_untyped_bits) {
                return 0;
            }
            return static_cast<std::uint8_t>(raw_size_arg);
        case ObjectKind::cnode:
            if (raw_size_arg < min_cnode_radix || raw_size_arg > max_cnode_radix) {
                return 0;
            }
            return static_cast<std::uint8_t>(raw_size_arg + slot_bits);
        default:
            // Fixed-size kinds ignore the argument, as seL4 does; kinds without
            // memory yield 0 and so cannot be retyped.
            return is_memory_kind(kind) ? fixed_size_bits(kind) : 0;
    }
}

}  // namespace septum::caps
