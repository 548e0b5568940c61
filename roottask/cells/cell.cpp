#include "cells/cell.hpp"

#include <cstring>

#include "cells/apic_pages.hpp"
#include "description/layout.hpp"
#include "septum/abi/vcpu.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;
using layout::vmm_cell_info, layout::vmm_console, layout::vmm_guest_ram, layout::vmm_image, layout::vmm_input,
    layout::vmm_state_page;

// Root-task pages for the cells' console and input views.
constexpr unsigned first_console_view = 400, first_input_view = 400 + max_cells;

// The EPT guest RAM takes (description/need.cpp counts the same): a PDPT,
// a page directory for each GiB and a page table for the 4 KiB frames
// after the last 2 MiB boundary, if there are any.
Status make_ept(Env& env, CPtr memory, std::uint64_t ram_bytes, std::uint64_t large_bytes) {
    constexpr std::uint64_t gib = std::uint64_t{1} << 30;
    const Result<CPtr> pdpt = env.make(ObjectKind::ept_pdpt);
    SEPTUM_TRY(pdpt);
    SEPTUM_TRY(user::invoke(pdpt.value(), abi::Invocation::page_table_map, {memory, 0}).status);
    for (std::uint64_t gpa = 0; gpa < ram_bytes; gpa += gib) {
        const Result<CPtr> pd = env.make(ObjectKind::ept_pd);
        SEPTUM_TRY(pd);
        SEPTUM_TRY(user::invoke(pd.value(), abi::Invocation::page_table_map, {memory, gpa}).status);
    }
    if (large_bytes == ram_bytes) {
        return Status::ok;
    }
    const Result<CPtr> pt = env.make(ObjectKind::ept_pt);
    SEPTUM_TRY(pt);
    return user::invoke(pt.value(), abi::Invocation::page_table_map, {memory, large_bytes}).status;
}

// A frame of guest RAM at gpa: in the GuestMemory, and through a copy at
// vmm_guest_ram + gpa in the VMM (which loads the image), both with pages
// of the frame's size.
Status map_guest_frame(Env& env, const Program& vmm, CPtr memory, CPtr frame, std::uint64_t gpa, user::FrameSize size) {
    SEPTUM_TRY(user::invoke(frame, abi::Invocation::frame_map, {memory, gpa, right_read | right_write | right_execute})
                   .status);
    return map_into(env, vmm, frame, vmm_guest_ram + gpa, user::rw, size);
}

// A 2 MiB frame from one of the guest RAM's Untypeds.
Result<CPtr> large_frame(Env& env, CPtr untyped) {
    const Result<CPtr> slot = env.slot();
    SEPTUM_TRY(slot);
    SEPTUM_TRY(user::invoke(untyped, abi::Invocation::untyped_retype,
                            {user::raw_kind(ObjectKind::frame_2m), 0, root_cnode, slot.value(), 1})
                   .status);
    return slot.value();
}

// Guest RAM at guest-physical 0 on, zeroed (retype clears every frame):
// 2 MiB frames cut one by one from the RAM Untypeds (the cell's, largest
// first) up to the last 2 MiB boundary, then 4 KiB frames from env's pool.
Status make_guest_ram(Env& env, const Cell& cell, CPtr memory, const description::CellNeed& need,
                      std::uint64_t ram_bytes) {
    SEPTUM_TRY(make_ept(env, memory, ram_bytes, need.large_ram));
    std::uint64_t gpa = 0;
    for (unsigned u = 1; u < need.untyped_count(); ++u) {
        const std::uint64_t end = gpa + (std::uint64_t{1} << need.untyped_size_bits(u));
        for (; gpa < end; gpa += description::large_frame) {
            const Result<CPtr> frame = large_frame(env, cell.ram_untypeds[u - 1]);
            SEPTUM_TRY(frame);
            SEPTUM_TRY(map_guest_frame(env, cell.vmm, memory, frame.value(), gpa, user::FrameSize::large));
        }
    }
    for (; gpa < ram_bytes; gpa += user::page_size) {
        const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
        SEPTUM_TRY(frame);
        SEPTUM_TRY(map_guest_frame(env, cell.vmm, memory, frame.value(), gpa, user::FrameSize::small));
    }
    return Status::ok;
}

// The guest image, read-only in the VMM: it loads it at start and at resets.
Status map_image(Env& env, const Program& vmm, const abi::ModuleDescription& image) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(image.address);
    for (std::uint64_t offset = 0; offset < image.size; offset += user::page_size) {
        const std::uint64_t n = image.size - offset < user::page_size ? image.size - offset : user::page_size;
        const Result<CPtr> frame = filled_frame(env, bytes + offset, n);
        SEPTUM_TRY(frame);
        SEPTUM_TRY(user::map_frame(*env.pool, vmm.pml4, frame.value(), vmm_image + offset, user::ro));
    }
    return Status::ok;
}

// A Linux kernel or initrd: the module's own frames, through read-only
// copies, at `base` plus the module's offset in its 2 MiB region (so its
// 2 MiB frames land on 2 MiB pages). Returns where it is mapped.
Result<std::uint64_t> map_module(Env& env, const Program& vmm, const abi::ModuleDescription& module,
                                 std::uint64_t base) {
    const std::uint64_t mapped = base + (module.address & (description::large_frame - 1));
    const description::ModuleFrames f = description::module_frames(module.address, module.size);
    if (f.count() != module.frames.count) {
        return Status::invalid_argument;  // not the kernel's split: never map what it does not say
    }
    std::uint64_t va = mapped;
    for (std::uint64_t i = 0; i < f.count(); ++i) {
        const bool large = i >= f.head && i < f.head + f.large;
        SEPTUM_TRY(map_into(env, vmm, module.frames.first + i, va, user::ro,
                            large ? user::FrameSize::large : user::FrameSize::small));
        va += large ? description::large_frame : user::page_size;
    }
    return mapped;
}

// The guest image the VMM loads (and reloads at a reset): a copy, or a
// Linux kernel's and initrd's modules as they are.
Status map_guest_image(Env& env, const Program& vmm, const CellSpec& spec, abi::CellInfo& info) {
    if (!abi::is_linux(spec.image_kind)) {
        return map_image(env, vmm, *spec.image);
    }
    const Result<std::uint64_t> kernel = map_module(env, vmm, *spec.image, vmm_image);
    SEPTUM_TRY(kernel);
    info.image = kernel.value();
    if (spec.initrd != nullptr) {
        const Result<std::uint64_t> initrd = map_module(env, vmm, *spec.initrd, layout::vmm_initrd);
        SEPTUM_TRY(initrd);
        info.initrd = initrd.value();
        info.initrd_size = spec.initrd->size;
    }
    return Status::ok;
}

abi::CellInfo cell_info(const CellSpec& spec, const abi::BootInfo& bi) {
    abi::CellInfo info{};
    info.magic = abi::cell_info_magic;
    std::strncpy(info.name, spec.name, sizeof(info.name) - 1);
    info.state_page = vmm_state_page;
    info.console = vmm_console;
    info.guest_ram = vmm_guest_ram;
    info.guest_ram_size = spec.guest_ram_pages * user::page_size;
    info.guest_entry = spec.guest_entry;
    info.image = vmm_image;
    info.image_size = spec.image->size;
    info.image_kind = spec.image_kind;
    info.max_resets = spec.max_resets;
    info.flags = (spec.record_exits ? abi::cell_flags::record_exits : 0) | (spec.bench ? abi::cell_flags::bench : 0);
    info.wall_clock_unix = bi.unix_seconds_at_boot;
    info.wall_clock_tsc = bi.unix_seconds_tsc;
    std::strncpy(info.command_line, spec.command_line, sizeof(info.command_line) - 1);
    info.tsc_khz = bi.tsc_khz;
    info.input = vmm_input;
    return info;
}

// The VCPU, its state page and the console ring (also mapped read-only at
// `console_view` in the root task).
Status make_vcpu_and_console(Env& env, Cell& cell, CPtr memory, CPtr& vcpu, std::uint64_t console_view) {
    const Result<CPtr> v = env.make(ObjectKind::vcpu);
    const Result<CPtr> state = env.make(ObjectKind::frame_4k);
    SEPTUM_TRY(v);
    SEPTUM_TRY(state);
    vcpu = v.value();
    SEPTUM_TRY(map_into(env, cell.vmm, state.value(), vmm_state_page, user::rw));
    SEPTUM_TRY(user::invoke(vcpu, abi::Invocation::vcpu_configure, {memory, state.value()}).status);
    const Result<CPtr> console = env.map_new(console_view, user::ro);
    SEPTUM_TRY(console);
    SEPTUM_TRY(map_into(env, cell.vmm, console.value(), vmm_console, user::rw));
    cell.console = reinterpret_cast<const abi::ConsoleRing*>(console_view);
    cell.console_read = 0;
    return Status::ok;
}

// The console input path: the input ring (read-write in both: the VMM
// writes its count; the root task's own view is at `input_view`) and the
// Notification bound to the VMM's thread, which the root task keeps to
// signal it.
Status make_input(Env& env, Cell& cell, std::uint64_t input_view) {
    const Result<CPtr> ring = env.map_new(input_view, user::rw);
    const Result<CPtr> wake = env.make(ObjectKind::notification);
    SEPTUM_TRY(ring);
    SEPTUM_TRY(wake);
    SEPTUM_TRY(map_into(env, cell.vmm, ring.value(), vmm_input, user::rw));
    cell.input = reinterpret_cast<abi::InputRing*>(input_view);
    cell.input_cursor = InputCursor{};
    cell.wake = wake.value();
    return Status::ok;
}

// Four capabilities, each as narrow as its use (a Linux cell's APIC
// frames come with them: apic_pages.cpp).
Status give_capabilities(Env& env, const Cell& cell, const CellLink& link, CPtr vcpu) {
    const std::uint64_t badge = std::uint64_t{1} << cell.index;
    SEPTUM_TRY(give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::wake), cell.wake, right_read, 0));
    SEPTUM_TRY(give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::report), link.report,
                    right_write | right_grant_reply, badge));
    SEPTUM_TRY(
        give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::console), link.console, right_write, badge));
    return give(env, cell.vmm, static_cast<std::uint64_t>(abi::CellSlot::vcpu), vcpu, rights_all, 0);
}

Status set_budget(Env& env, const Cell& cell, const CellSpec& spec) {
    if (spec.period_us == 0) {
        return Status::ok;
    }
    const Result<CPtr> sc = env.make(ObjectKind::sched_context);
    SEPTUM_TRY(sc);
    SEPTUM_TRY(
        user::invoke(sc.value(), abi::Invocation::sched_context_configure, {spec.budget_us, spec.period_us}).status);
    return user::invoke(cell.vmm.thread.tcb(), abi::Invocation::tcb_set_sched_context, {sc.value()}).status;
}

// The cell's Untypeds: as the caller cut them, or now from env's pool,
// largest first.
Status take_untypeds(Env& env, const CellSpec& spec, const description::CellNeed& need, Cell& cell) {
    const unsigned ram_untypeds = need.untyped_count() - 1;
    if (spec.untyped != 0) {
        cell.untyped = spec.untyped;
        for (unsigned u = 0; u < ram_untypeds; ++u) {
            cell.ram_untypeds[u] = spec.ram_untypeds[u];
        }
        return Status::ok;
    }
    for (unsigned u = 0; u < ram_untypeds; ++u) {
        const Result<CPtr> untyped = env.make(ObjectKind::untyped, need.untyped_size_bits(u + 1));
        SEPTUM_TRY(untyped);
        cell.ram_untypeds[u] = untyped.value();
    }
    const Result<CPtr> untyped = env.make(ObjectKind::untyped, need.untyped_bits);
    SEPTUM_TRY(untyped);
    cell.untyped = untyped.value();
    return Status::ok;
}

Status check(const CellSpec& spec, unsigned index) {
    if (spec.vmm == nullptr || spec.image == nullptr || index >= max_cells) {
        return Status::invalid_argument;
    }
    const std::uint64_t limit = description::max_image_bytes_for(spec.image_kind);
    const bool initrd_ok = spec.initrd == nullptr || (abi::is_linux(spec.image_kind) && spec.initrd->size != 0 &&
                                                      spec.initrd->size <= description::max_initrd_bytes);
    if (spec.guest_ram_pages == 0 || spec.guest_ram_pages > max_guest_ram_pages || spec.image->size == 0 ||
        spec.image->size > limit || !initrd_ok || (spec.period_us != 0 && spec.budget_us == 0)) {
        return Status::out_of_range;
    }
    return Status::ok;
}

}  // namespace

Status make_link(Env& env, CellLink& link) {
    const Result<CPtr> report = env.make(ObjectKind::endpoint);
    const Result<CPtr> console = env.make(ObjectKind::notification);
    SEPTUM_TRY(report);
    SEPTUM_TRY(console);
    link.report = report.value();
    link.console = console.value();
    return Status::ok;
}

namespace {

Status build_parts(Env& env, const CellSpec& spec, const description::CellNeed& need, const CellLink& link,
                   unsigned index, Cell& cell) {
    cell.name = spec.name;
    cell.index = index;
    // The root task's own page table for its staging and console pages
    // comes from its own memory, before any cell's: a cell's memory holds
    // only what is the cell's.
    SEPTUM_TRY(filled_frame(env, nullptr, 0));
    SEPTUM_TRY(take_untypeds(env, spec, need, cell));
    const std::uint64_t slots = need.cell_slots;
    const Result<CPtr> first = env.slot();
    SEPTUM_TRY(first);
    for (std::uint64_t i = 1; i < slots; ++i) {
        SEPTUM_TRY(env.slot());  // the allocator hands out slots in order: these follow `first`
    }
    cell.memory.init(root_cnode, cell.untyped, first.value(), slots);
    // From here every object comes from the cell's own Untyped.
    Env own = env;
    own.pool = &cell.memory;
    SEPTUM_TRY(load_program(own, *spec.vmm, cell.vmm));
    const Result<CPtr> memory = own.make(ObjectKind::guest_memory);
    SEPTUM_TRY(memory);
    cell.bytes.guest_ram = spec.guest_ram_pages * user::page_size;
    SEPTUM_TRY(make_guest_ram(own, cell, memory.value(), need, cell.bytes.guest_ram));
    abi::CellInfo info = cell_info(spec, *env.bi);
    SEPTUM_TRY(map_guest_image(own, cell.vmm, spec, info));
    cell.bytes.image = need.image;
    CPtr vcpu = 0;
    SEPTUM_TRY(make_vcpu_and_console(own, cell, memory.value(), vcpu, scratch(first_console_view + index)));
    if (abi::is_linux(spec.image_kind)) {
        SEPTUM_TRY(make_apic_pages(own, cell.vmm, memory.value(), vcpu, info));
    }
    SEPTUM_TRY(make_input(own, cell, scratch(first_input_view + index)));
    const Result<CPtr> info_frame = filled_frame(own, &info, sizeof info);
    SEPTUM_TRY(info_frame);
    SEPTUM_TRY(map_into(own, cell.vmm, info_frame.value(), vmm_cell_info, user::ro));
    SEPTUM_TRY(give_capabilities(own, cell, link, vcpu));
    SEPTUM_TRY(start(own, cell.vmm, spec.priority, vmm_cell_info, cell.wake));
    SEPTUM_TRY(set_budget(own, cell, spec));
    env.next_window = own.next_window;
    // The guest RAM's Untypeds hold exactly their 2 MiB frames.
    cell.bytes.untyped = need.all_untyped_bytes();
    cell.bytes.own = need.untyped_bytes();
    cell.bytes.planned = need.bytes + need.large_ram;
    cell.bytes.total = cell.memory.used_bytes() + need.large_ram;
    return Status::ok;
}

}  // namespace

bool need_of(const CellSpec& spec, description::CellNeed& need) {
    elf::Image program;
    if (spec.vmm == nullptr || spec.image == nullptr ||
        !description::read_program(reinterpret_cast<const std::uint8_t*>(spec.vmm->address), spec.vmm->size, program)) {
        return false;
    }
    description::CellParts parts{spec.guest_ram_pages, spec.image->size, &program, spec.period_us != 0};
    if (abi::is_linux(spec.image_kind)) {
        parts.apic_pages = true;
        parts.image_bytes = 0;  // mapped from its module, not copied
        parts.kernel = {spec.image->address, spec.image->size};
        if (spec.initrd != nullptr) {
            parts.initrd = {spec.initrd->address, spec.initrd->size};
        }
    }
    need = description::cell_need(parts);
    return true;
}

Status build_cell(Env& env, const CellSpec& spec, const CellLink& link, unsigned index, Cell& cell) {
    SEPTUM_TRY(check(spec, index));
    description::CellNeed need;
    if (!need_of(spec, need)) {
        return Status::invalid_argument;  // load_program would refuse the VMM
    }
    cell.untyped = 0;
    std::memset(cell.ram_untypeds, 0, sizeof cell.ram_untypeds);
    const Status s = build_parts(env, spec, need, link, index, cell);
    if (s != Status::ok) {
        // A cell half built is taken down whole: revoking its Untypeds
        // destroys everything made from them (and unmaps the console view).
        if (cell.untyped != 0) {
            (void)user::invoke(root_cnode, abi::Invocation::cnode_revoke, {cell.untyped, 64});
        }
        for (const CPtr u : cell.ram_untypeds) {
            if (u != 0) {
                (void)user::invoke(root_cnode, abi::Invocation::cnode_revoke, {u, 64});
            }
        }
        cell.console = nullptr;
        cell.input = nullptr;
        cell.wake = 0;
    }
    return s;
}

}  // namespace septum::roottask
