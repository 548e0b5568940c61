// The local APIC's priority logic against a reference of a few lines
// (SDM Vol. 3A 10.8.3): under any sequence of arriving vectors, TPR
// writes, INTAs and EOIs, IRR and ISR hold what the reference holds, PPR
// is the larger of TPR and the class in service, and the interrupt the
// CPU is offered is the highest pending one above the PPR's class.
#include <septum/vmm/local_apic.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bitset>
#include <cstdint>
#include <vector>

#include "fixture.hpp"

namespace septum::vmm::testing {
namespace {

using A = LocalApic;

struct Reference {
    std::bitset<256> irr, isr;
    std::uint32_t tpr = 0;

    static int highest(const std::bitset<256>& bits) {
        for (int v = 255; v >= 0; --v) {
            if (bits[static_cast<std::size_t>(v)]) {
                return v;
            }
        }
        return -1;
    }
    [[nodiscard]] std::uint32_t ppr() const {
        const int isrv = highest(isr);
        const std::uint32_t in_service = isrv < 0 ? 0 : static_cast<std::uint32_t>(isrv) & 0xf0;
        return (tpr & 0xf0) >= in_service ? tpr : in_service;
    }
    [[nodiscard]] int next() const {
        const int irrv = highest(irr);
        return irrv >= 0 && (static_cast<std::uint32_t>(irrv) & 0xf0) > (ppr() & 0xf0) ? irrv : -1;
    }
};

enum class Op : std::uint8_t { arrive, arrive_level, tpr, cr8, inta, eoi, last = eoi };

struct Step {
    Step(Op o, std::uint8_t v) : op{o}, value{v} {}
    Op op;
    std::uint8_t value;
};

RC_GTEST_PROP(LocalApicPriority, MatchesTheReference, ()) {
    const auto steps = *rc::gen::container<std::vector<Step>>(
        rc::gen::construct<Step>(rc::gen::cast<Op>(rc::gen::inRange<int>(0, static_cast<int>(Op::last) + 1)),
                                 rc::gen::arbitrary<std::uint8_t>()));
    FakeHostCpuid host;
    const CpuidPolicy cpuid{host, CpuidOptions{1'000'000, true, true}};
    FakeClock clock;
    ApicPage page;
    LocalApic apic{clock, cpuid, page};
    (void)apic.write(A::svr_reg, 4, 0x1ff);
    Reference ref;
    for (const Step& s : steps) {
        switch (s.op) {
            case Op::arrive:
            case Op::arrive_level:
                apic.deliver({s.value, DeliveryMode::fixed, false, s.op == Op::arrive_level, 0});
                ref.irr[s.value] = s.value >= 16;
                break;
            case Op::tpr:
                (void)apic.write(A::tpr_reg, 4, s.value);
                ref.tpr = s.value;
                break;
            case Op::cr8:
                apic.set_cr8(s.value);
                ref.tpr = (s.value & 0xfu) << 4;
                break;
            case Op::inta:
                if (const int v = apic.next_interrupt(); v >= 0) {
                    apic.acknowledge(static_cast<std::uint8_t>(v));
                    ref.irr[static_cast<std::size_t>(v)] = false;
                    ref.isr[static_cast<std::size_t>(v)] = true;
                }
                break;
            case Op::eoi:
                (void)apic.write(A::eoi_reg, 4, s.value);
                if (const int v = Reference::highest(ref.isr); v >= 0) {
                    ref.isr[static_cast<std::size_t>(v)] = false;
                }
                break;
        }
        for (unsigned v = 0; v < 256; ++v) {
            RC_ASSERT(apic.irr(static_cast<std::uint8_t>(v)) == ref.irr[v]);
            RC_ASSERT(apic.isr(static_cast<std::uint8_t>(v)) == ref.isr[v]);
        }
        RC_ASSERT(apic.reg(A::ppr_reg) == ref.ppr());
        RC_ASSERT(apic.next_interrupt() == ref.next());
        RC_ASSERT(apic.cr8() == ref.tpr >> 4);
    }
}

}  // namespace
}  // namespace septum::vmm::testing
