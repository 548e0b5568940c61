#include "cells/prepare.hpp"

#include "description/fit.hpp"
#include "septum/lib/cmdline.hpp"
#include "septum/user/invoke.hpp"
#include "start.hpp"

namespace septum::roottask::cells {

namespace {

using description::CellNeed;
using description::Plan;

constexpr std::uint64_t kib(std::uint64_t bytes) { return (bytes + 1023) / 1024; }

CellSpec spec_of(const abi::CellDescription& d, const abi::BootInfo& bi) {
    CellSpec s;
    s.name = d.name;
    s.vmm = find_module(bi, d.vmm_module);
    s.image = find_module(bi, d.guest_module);
    s.image_kind = d.image_kind;
    s.initrd = d.initrd_module[0] != '\0' ? find_module(bi, d.initrd_module) : nullptr;
    s.command_line = d.command_line;
    s.guest_ram_pages = d.guest_ram_bytes / user::page_size;
    s.guest_entry = d.guest_entry;
    s.priority = static_cast<std::uint8_t>(d.priority);
    s.budget_us = d.budget_us;
    s.period_us = d.period_us;
    s.max_resets = d.max_resets;
    const boot::OptionValue record = boot::find_option(bi.cmdline, "septum.record-exits");
    s.record_exits = record.equals("all") || record.equals(d.name);
    const boot::OptionValue bench = boot::find_option(bi.cmdline, "septum.bench");
    s.bench = bench.equals("all") || bench.equals(d.name);
    return s;
}

// Every module found, every VMM a program the root task can load, every
// image of a size the VMM keeps a copy of.
bool resolve(Env& env, const abi::SystemDescription& d, CellSpec* specs, CellNeed* needs) {
    Report& report = *env.report;
    for (std::uint32_t i = 0; i < d.cell_count; ++i) {
        const abi::CellDescription& c = d.cells[i];
        specs[i] = spec_of(c, *env.bi);
        const bool no_initrd = c.initrd_module[0] != '\0' && specs[i].initrd == nullptr;
        const char* missing = specs[i].vmm == nullptr ? c.vmm_module : no_initrd ? c.initrd_module : c.guest_module;
        if (specs[i].vmm == nullptr || specs[i].image == nullptr || no_initrd) {
            report.fail("system.modules", "cell {} (\"{}\"): no boot module {}", i, c.name, missing);
            return false;
        }
        const std::uint64_t limit = description::max_image_bytes_for(c.image_kind);
        if (specs[i].image->size == 0 || specs[i].image->size > limit) {
            report.fail("system.modules", "cell {} (\"{}\"): guest image {} has {} bytes, not 1 to {}", i, c.name,
                        c.guest_module, specs[i].image->size, limit);
            return false;
        }
        if (specs[i].initrd != nullptr &&
            (specs[i].initrd->size == 0 || specs[i].initrd->size > description::max_initrd_bytes)) {
            report.fail("system.modules", "cell {} (\"{}\"): initrd {} has {} bytes, not 1 to {}", i, c.name,
                        c.initrd_module, specs[i].initrd->size, description::max_initrd_bytes);
            return false;
        }
        if (!need_of(specs[i], needs[i])) {
            report.fail("system.modules", "cell {} (\"{}\"): {} is not an ELF executable the root task can load", i,
                        c.name, c.vmm_module);
            return false;
        }
    }
    report.pass("system.modules", "{} cells, every module found", d.cell_count);
    return true;
}

// The machine's Untypeds as they are now: the pool was the first cut from
// its block, and nothing else has been cut.
description::Machine machine_now(const Env& env) {
    description::Machine m = description::machine_of(*env.bi, env.pool->slots_left());
    const PoolSource pool = pool_source(*env.bi);
    m.blocks[pool.index].used = std::uint64_t{1} << pool.bits;
    return m;
}

bool fits(Env& env, const CellSpec* specs, const CellNeed* needs, std::uint32_t count, Plan& plan) {
    Report& report = *env.report;
    const description::Machine m = machine_now(env);
    plan = description::plan(needs, count, m);
    if (!plan.memory_ok) {
        const description::Cut& short_one = plan.cuts[plan.unplaced];
        report.fail("system.memory",
                    "not enough memory: cell {} (\"{}\") needs an Untyped of {} KiB{} and the largest the machine "
                    "has left is {} KiB; the cells need {} KiB in all, the machine has {} KiB free in {} Untypeds",
                    short_one.cell, specs[short_one.cell].name, kib(short_one.size()),
                    short_one.untyped == 0 ? "" : " for guest RAM", kib(plan.largest_left), kib(plan.bytes_needed),
                    kib(m.free_bytes()), m.block_count);
        return false;
    }
    if (!plan.slots_ok) {
        report.fail("system.memory",
                    "not enough capability slots: the cells need {} of the root task's CNode, it has {}",
                    plan.slots_needed, m.free_slots);
        return false;
    }
    report.pass("system.memory",
                "the cells need {} KiB of Untyped and {} slots; the machine has {} KiB free (largest {} KiB), the "
                "root task {} slots",
                kib(plan.bytes_needed), plan.slots_needed, kib(m.free_bytes()), kib(m.largest_free()), m.free_slots);
    return true;
}

// Cuts every cell's Untypeds, in the plan's order, from their blocks.
bool cut(Env& env, const Plan& plan, CellSpec* specs) {
    for (std::uint32_t k = 0; k < plan.cut_count; ++k) {
        const description::Cut& c = plan.cuts[k];
        CPtr& to = c.untyped == 0 ? specs[c.cell].untyped : specs[c.cell].ram_untypeds[c.untyped - 1];
        if (c.whole) {
            to = env.bi->untyped.first + c.block;
            continue;
        }
        const Result<CPtr> slot = env.slot();
        const Status s =
            slot.status() != Status::ok
                ? slot.status()
                : user::invoke(env.bi->untyped.first + c.block, abi::Invocation::untyped_retype,
                               {user::raw_kind(caps::ObjectKind::untyped), c.size_bits, root_cnode, slot.value(), 1})
                      .status;
        if (!env.report->setup(s, "system.cells", "cutting a cell's Untyped as planned")) {
            return false;
        }
        to = slot.value();
    }
    return true;
}

}  // namespace

bool prepare(Env& env, const abi::SystemDescription& d, CellSpec* specs) {
    CellNeed needs[abi::max_system_cells];
    if (!resolve(env, d, specs, needs)) {
        return false;
    }
    // The root task's page tables for its staging and console pages, made
    // now so that building a cell takes from it only what need.hpp says.
    if (!env.report->setup(filled_frame(env, nullptr, 0), "system.cells", "the staging page")) {
        return false;
    }
    Plan plan;
    return fits(env, specs, needs, d.cell_count, plan) && cut(env, plan, specs);
}

}  // namespace septum::roottask::cells
