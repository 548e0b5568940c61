// RapidCheck generators for operation sequences over a System of the given
// Config: mostly addresses that resolve (so operations reach deep states),
// with a share of arbitrary raw arguments (so every error path is taken).
#pragma once

#include <rapidcheck.h>

#include <vector>

#include "ops.hpp"

namespace septum::caps::proofs {

// Relative weight of each OpCode (indexed by OpCode).
using OpWeights = std::vector<int>;

inline rc::Gen<Address> gen_address(std::uint8_t root_radix) {
    const std::uint64_t r = root_radix;
    return rc::gen::weightedOneOf<Address>({
        {14, rc::gen::map(rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << r),
                          [r](std::uint64_t cptr) {
                              return Address{cptr, r};
                          })},
        {4, rc::gen::mapcat(rc::gen::inRange<std::uint64_t>(r + 1, r + 3),
                            [](std::uint64_t depth) {
                                return rc::gen::map(rc::gen::inRange<std::uint64_t>(0, std::uint64_t{1} << depth),
                                                    [depth](std::uint64_t cptr) {
                                                        return Address{cptr, depth};
                                                    });
                            })},
        {2, rc::gen::construct<Address>(rc::gen::arbitrary<std::uint64_t>(), rc::gen::inRange<std::uint64_t>(0, 70))},
    });
}

inline rc::Gen<std::uint64_t> gen_rights() {
    return rc::gen::weightedOneOf<std::uint64_t>({
        {6, rc::gen::element<std::uint64_t>(0x1F, 0x1, 0x3, 0x2, 0x0, 0x10, 0x5)},
        {1, rc::gen::arbitrary<std::uint64_t>()},
    });
}

inline rc::Gen<std::uint64_t> gen_data() {
    return rc::gen::weightedOneOf<std::uint64_t>({
        {6, rc::gen::element<std::uint64_t>(0, 0, 1, 7, encode_guard(0, 1), encode_guard(1, 1), encode_guard(2, 2),
                                            encode_guard(0, 60), encode_guard(5, 2))},
        {1, rc::gen::arbitrary<std::uint64_t>()},
    });
}

inline rc::Gen<std::uint64_t> gen_kind() {
    using K = ObjectKind;
    auto raw = [](K k) { return static_cast<std::uint64_t>(k); };
    return rc::gen::weightedOneOf<std::uint64_t>({
        {10, rc::gen::element<std::uint64_t>(raw(K::endpoint), raw(K::notification), raw(K::cnode), raw(K::cnode),
                                             raw(K::untyped), raw(K::tcb), raw(K::reply), raw(K::frame_4k),
                                             raw(K::sched_context), raw(K::page_table), raw(K::vcpu))},
        {1, rc::gen::element<std::uint64_t>(0, raw(K::io_port_range), raw(K::irq_handler), kind_count, 200)},
        {1, rc::gen::arbitrary<std::uint64_t>()},
    });
}

inline rc::Gen<Op> gen_op(std::uint8_t root_radix, OpWeights weights) {
    return rc::gen::mapcat(rc::gen::elementOf([&weights] {
                               std::vector<int> codes;  // each code repeated by its weight
                               for (std::size_t code = 0; code < weights.size(); ++code) {
                                   codes.insert(codes.end(), static_cast<std::size_t>(weights[code]),
                                                static_cast<int>(code));
                               }
                               return codes;
                           }()),
                           [root_radix](int code) {
                               return rc::gen::exec([root_radix, code] {
                                   Op op;
                                   op.code = static_cast<OpCode>(code);
                                   op.a = *gen_address(root_radix);
                                   op.b = *gen_address(root_radix);
                                   if (op.code == OpCode::retype) {
                                       // Aim at the initial Untyped (R[0]) and at R itself (R[1])
                                       // most of the time: retype needs both to succeed.
                                       const std::uint64_t r = root_radix;
                                       op.a = *rc::gen::weightedOneOf<Address>(
                                           {{3, rc::gen::just(Address{0, r})}, {1, gen_address(root_radix)}});
                                       op.b = *rc::gen::weightedOneOf<Address>(
                                           {{2, rc::gen::just(Address{1, r})}, {1, gen_address(root_radix)}});
                                   }
                                   op.rights = *gen_rights();
                                   op.data = *gen_data();
                                   op.kind = *gen_kind();
                                   op.size_arg = *rc::gen::weightedOneOf<std::uint64_t>(
                                       {{8, rc::gen::element<std::uint64_t>(1, 1, 2, 3, 4, 5, 8, 9, 12)},
                                        {1, rc::gen::element<std::uint64_t>(0, 25, 47, 48, 64)},
                                        {1, rc::gen::arbitrary<std::uint64_t>()}});
                                   op.offset = *rc::gen::weightedOneOf<std::uint64_t>(
                                       {{8, rc::gen::inRange<std::uint64_t>(2, std::uint64_t{1} << root_radix)},
                                        {1, rc::gen::arbitrary<std::uint64_t>()}});
                                   op.count = *rc::gen::weightedOneOf<std::uint64_t>(
                                       {{8, rc::gen::element<std::uint64_t>(1, 1, 1, 2, 3)},
                                        {1, rc::gen::element<std::uint64_t>(0, 64, ~std::uint64_t{0})}});
                                   op.budget = *rc::gen::inRange<std::uint64_t>(1, 5);
                                   return op;
                               });
                           });
}

inline rc::Gen<std::vector<Op>> gen_ops(std::uint8_t root_radix, const OpWeights& weights) {
    return rc::gen::container<std::vector<Op>>(gen_op(root_radix, weights));
}

}  // namespace septum::caps::proofs

namespace septum::caps::proofs {

// Addresses of the slots a thread with this CSpace can name at one and two
// levels (R's slots, and the slots of CNodes held in R with no guard),
// split by whether they hold a capability.
struct Reachable {
    std::vector<Address> occupied;
    std::vector<Address> empty;
    std::vector<Address> untyped;  // occupied, holding an Untyped
    std::vector<Address> cnodes;   // occupied, holding a CNode
};

inline Reachable reachable(System& system) {
    Reachable out;
    const Slot& root = system.cspace_root();
    if (root.cap.kind != ObjectKind::cnode || root.cap.guard_bits != 0) {
        return out;
    }
    const std::uint64_t r = root.cap.radix();
    const Slot* slots = system.machine().cnode_slots(root.cap.object);
    auto sort = [&out](const Slot& slot, Address address) {
        if (slot.empty()) {
            out.empty.push_back(address);
            return;
        }
        out.occupied.push_back(address);
        if (slot.cap.kind == ObjectKind::untyped) {
            out.untyped.push_back(address);
        }
        if (slot.cap.kind == ObjectKind::cnode) {
            out.cnodes.push_back(address);
        }
    };
    for (std::uint64_t i = 0; i < (std::uint64_t{1} << r); ++i) {
        sort(slots[i], Address{i, r});
        const Capability& inner = slots[i].cap;
        if (inner.kind == ObjectKind::cnode && inner.guard_bits == 0 && r + inner.radix() <= 12) {
            const Slot* second = system.machine().cnode_slots(inner.object);
            for (std::uint64_t j = 0; j < (std::uint64_t{1} << inner.radix()); ++j) {
                sort(second[j], Address{(i << inner.radix()) | j, r + inner.radix()});
            }
        }
    }
    return out;
}

// Most of the time one of `preferred`, else anything.
inline Address pick(const std::vector<Address>& preferred, std::uint8_t root_radix, int percent = 80) {
    if (!preferred.empty() && *rc::gen::inRange(0, 100) < percent) {
        return *rc::gen::elementOf(preferred);
    }
    return *gen_address(root_radix);
}

// One operation aimed at the current state; call inside a property.
inline Op pick_op(System& system, const OpWeights& weights) {
    const std::uint8_t r = system.config().root_radix;
    Op op = *gen_op(r, weights);
    const Reachable now = reachable(system);
    op.a = pick(now.occupied, r);
    op.b = pick(now.empty, r, 70);
    if (op.code == OpCode::retype) {
        op.a = pick(now.untyped, r, 85);
        op.b = pick(now.cnodes, r, 85);
    }
    return op;
}

}  // namespace septum::caps::proofs
