#include "cells/apic_pages.hpp"

#include "description/check.hpp"
#include "description/layout.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/user/invoke.hpp"

namespace septum::roottask {

static_assert(description::max_guest_ram <= (abi::apic_access_address & ~((std::uint64_t{1} << 30) - 1)),
              "no guest RAM shares the APIC-access page's GiB, whose EPT tables are made here");

Status make_apic_pages(Env& env, const Program& vmm, CPtr memory, CPtr vcpu, abi::CellInfo& info) {
    using caps::ObjectKind;
    const Result<CPtr> virtual_apic = env.make(ObjectKind::frame_4k);
    const Result<CPtr> apic_access = env.make(ObjectKind::frame_4k);
    const Result<CPtr> pd = env.make(ObjectKind::ept_pd);
    const Result<CPtr> pt = env.make(ObjectKind::ept_pt);
    SEPTUM_TRY(virtual_apic);
    SEPTUM_TRY(apic_access);
    SEPTUM_TRY(pd);
    SEPTUM_TRY(pt);
    // Features 0: nothing turned on, the CPU's offer returned.
    const user::Reply offer = user::invoke(vcpu, abi::Invocation::vcpu_configure_apic, {0, 0, 0});
    SEPTUM_TRY(offer.status);
    if ((offer.message.mr[0] & abi::apic_virt::apic_accesses) != 0) {
        const std::uint64_t gpa = abi::apic_access_address;
        SEPTUM_TRY(user::invoke(pd.value(), abi::Invocation::page_table_map, {memory, gpa}).status);
        SEPTUM_TRY(user::invoke(pt.value(), abi::Invocation::page_table_map, {memory, gpa}).status);
        // Readable and writable, so that the guest's accesses reach the
        // CPU's APIC virtualization rather than fault in the EPT; never
        // executable.
        SEPTUM_TRY(
            user::invoke(apic_access.value(), abi::Invocation::frame_map, {memory, gpa, right_read | right_write})
                .status);
    }
    SEPTUM_TRY(map_into(env, vmm, virtual_apic.value(), layout::vmm_apic_page, user::rw));
    SEPTUM_TRY(give(env, vmm, static_cast<std::uint64_t>(abi::CellSlot::virtual_apic), virtual_apic.value(),
                    right_read | right_write));
    SEPTUM_TRY(give(env, vmm, static_cast<std::uint64_t>(abi::CellSlot::apic_access), apic_access.value(),
                    right_read | right_write));
    info.apic_page = layout::vmm_apic_page;
    return Status::ok;
}

}  // namespace septum::roottask
