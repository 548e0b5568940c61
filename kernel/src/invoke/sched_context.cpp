// SchedContext invocations: configure a budget and period.
#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

namespace {

struct SchedContextInvocation {
    SchedContext* sched_context = nullptr;
    std::uint64_t budget = 0;  // 0 with a period of 0: no limit
    std::uint64_t period = 0;
};

Result<SchedContextInvocation> decode_sched_context(const caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    if (op != abi::Invocation::sched_context_configure || !a.has(2)) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_budget = a.raw(0), raw_period = a.raw(1);
    // A period of 0 with a budget of 0 lifts the limit; otherwise the
    // budget must be positive and fit in the period.
    const bool unlimited = raw_budget == 0 && raw_period == 0;
    if (!unlimited && (raw_budget == 0 || raw_budget > raw_period)) {
        return Status::invalid_argument;
    }
    return SchedContextInvocation{physical_pointer<SchedContext>(slot.cap.object), raw_budget, raw_period};
}

Status invoke_sched_context(Kernel& k, const SchedContextInvocation& i) {
    k.scheduler.configure(*i.sched_context, i.budget, i.period);
    return Status::ok;
}

}  // namespace

Status sched_context_invocation(Kernel& k, Tcb&, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    const Result<SchedContextInvocation> decoded = decode_sched_context(slot, op, a);
    SEPTUM_TRY(decoded);
    return invoke_sched_context(k, decoded.value());
}

}  // namespace septum::kernel
