#include "septum/caps/capability.hpp"

namespace septum::caps {

bool same_object(const Capability& a, const Capability& b) {
    if (a.kind != b.kind || a.object != b.object || a.size_bits != b.size_bits) {
        return false;
    }
    // A port range is identified by both ends.
    return a.kind != ObjectKind::io_port_range || a.last_port == b.last_port;
}

Capability capability_for_new_object(ObjectKind kind, PhysAddr object, std::uint8_t size_bits) {
    Capability cap;
    cap.kind = kind;
    cap.object = object;
    cap.size_bits = size_bits;
    cap.rights = meaningful_rights(kind);
    return cap;
}

}  // namespace septum::caps
