#include "invocation.hpp"
#include "physical.hpp"

namespace septum::kernel {

Status invoke_sched_context(Kernel& k, Tcb&, caps::Slot& slot, abi::Invocation op, const Arguments& a) {
    if (op != abi::Invocation::sched_context_configure || !a.has(2)) {
        return Status::invalid_argument;
    }
    const std::uint64_t raw_budget = a[0], raw_period = a[1];
    // A period of 0 with a budget of 0 lifts the limit; otherwise the
    // budget must be positive and fit in the period.
    const bool unlimited = raw_budget == 0 && raw_period == 0;
    if (!unlimited && (raw_budget == 0 || raw_budget > raw_period)) {
        return Status::invalid_argument;
    }
    k.scheduler.configure(*physical_pointer<SchedContext>(slot.cap.object), raw_budget, raw_period);
    return Status::ok;
}

}  // namespace septum::kernel
