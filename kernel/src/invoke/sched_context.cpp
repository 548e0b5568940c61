// SchedContext invocations: configure a budget and period.
#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

struct SchedContextInvocation {
    SchedContext* sched_context = nullptr;
    std::uint64_t budget = 0;  // TSC cycles; 0 with a period of 0: no limit
    std::uint64_t period = 0;
};

Result<SchedContextInvocation> decode_sched_context(const Kernel& k, const caps::Slot& slot, abi::Invocation op,
                                                    const Arguments& a) {
    if (op != abi::Invocation::sched_context_configure || !a.has(2)) {
        return Status::invalid_argument;
    }
    const std::uint64_t budget_us = a.raw(0), period_us = a.raw(1);
    // A period of 0 with a budget of 0 lifts the limit; otherwise the
    // budget must fit in the period, within the ABI's limits.
    auto* sc = physical_pointer<SchedContext>(slot.cap.object);
    if (budget_us == 0 && period_us == 0) {
        return SchedContextInvocation{sc, 0, 0};
    }
    if (budget_us < abi::min_budget_us || budget_us > period_us || period_us > abi::max_period_us) {
        return Status::invalid_argument;
    }
    return SchedContextInvocation{sc, k.scheduler.cycles(budget_us), k.scheduler.cycles(period_us)};
}

Status invoke_sched_context(Kernel& k, const SchedContextInvocation& i) {
    k.scheduler.configure(*i.sched_context, i.budget, i.period);
    return Status::ok;
}

}  // namespace

Status sched_context_invocation(Kernel& k, Tcb&, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<SchedContextInvocation> decoded = decode_sched_context(k, slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_sched_context(k, decoded.value());
}

}  // namespace septum::kernel
