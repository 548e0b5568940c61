// Mappings and their rights: what a thread can do through a mapping, and
// the page faults (delivered to its fault endpoint) when it may not.
#include "septum/user/vspace.hpp"
#include "common.hpp"
#include "registry.hpp"

namespace septum::roottask {

namespace {

using caps::ObjectKind;

constexpr std::uint64_t pattern = 0x0123456789abcdef;

std::uint64_t* word_at(std::uint64_t address) { return reinterpret_cast<std::uint64_t*>(address); }

void map_rw(Env& env) {
    const char* name = "vspace.map-rw";
    const Result<CPtr> f = env.map_new(scratch(0), user::rw);
    if (!env.report->setup(f, name, "map")) {
        return;
    }
    const std::uint64_t fresh = *word_at(scratch(0) + 64);
    *word_at(scratch(0) + 64) = pattern;
    const std::uint64_t back = *word_at(scratch(0) + 64);
    env.report->check(fresh == 0 && back == pattern, name, "a new frame reads {:x}, then holds {:x} (want 0, {:x})",
                      fresh, back, pattern);
}

// The result of a probe that should fault once: the fault message, then
// the report after the handler resumed the thread at `resume`.
struct Faulted {
    user::Reply fault;
    user::Reply done;
};

Status probe_faulting(Env& env, ProbeOp op, std::uint64_t address, std::uint64_t resume, Faulted& out) {
    ProbeRun run;
    SEPTUM_TRY(start_probe(env, run, op, address, pattern));
    out.fault = user::recv(run.endpoint);
    out.done = user::reply_recv(run.endpoint, fault_reply(resume));
    return Status::ok;
}

bool is_page_fault(const user::Reply& r, std::uint64_t rip, std::uint64_t address, std::uint64_t error) {
    return r.status == Status::ok && r.message.info.label == fault_label(abi::Fault::page_fault) &&
           r.message.info.length == 3 && r.message.mr[0] == rip && r.message.mr[1] == address &&
           r.message.mr[2] == error;
}

// A frame written through one mapping, unmapped, and mapped again
// read-only elsewhere: it keeps its contents, reads work, writes fault.
void read_only(Env& env) {
    const char* name = "vspace.read-only-fault";
    const Result<CPtr> f = env.map_new(scratch(1), user::rw);
    if (!env.report->setup(f, name, "map")) {
        return;
    }
    *word_at(scratch(1)) = pattern;
    const Status unmapped = user::unmap_frame(f.value());
    const Status remapped = user::map_frame(*env.pool, root_vspace, f.value(), scratch(2), user::ro);
    const std::uint64_t read = *word_at(scratch(2));
    Faulted w;
    if (!env.report->setup(unmapped, name, "unmap") || !env.report->setup(remapped, name, "remap") ||
        !env.report->setup(probe_faulting(env, ProbeOp::write, scratch(2), address_of(probe_write_done), w), name,
                           "probe")) {
        return;
    }
    const bool ok = read == pattern &&
                    is_page_fault(w.fault, address_of(probe_write_insn), scratch(2), pf_present | pf_write | pf_user) &&
                    w.done.message.info.label == probe_done_label && *word_at(scratch(2)) == pattern;
    env.report->check(ok, name,
                      "remapped read-only reads {:x}; a write faulted: label {} rip {:x} address {:x} error {:x}; "
                      "resumed: label {}",
                      read, w.fault.message.info.label, w.fault.message.mr[0], w.fault.message.mr[1],
                      w.fault.message.mr[2], w.done.message.info.label);
}

void unmap_fault(Env& env) {
    const char* name = "vspace.unmap-fault";
    const Result<CPtr> f = env.map_new(scratch(3), user::rw);
    if (!env.report->setup(f, name, "map")) {
        return;
    }
    *word_at(scratch(3)) = pattern;
    const Status unmapped = user::unmap_frame(f.value());
    Faulted r;
    if (!env.report->setup(unmapped, name, "unmap") ||
        !env.report->setup(probe_faulting(env, ProbeOp::read, scratch(3), address_of(probe_read_done), r), name,
                           "probe")) {
        return;
    }
    const bool ok = is_page_fault(r.fault, address_of(probe_read_insn), scratch(3), pf_user) &&
                    r.done.message.info.label == probe_done_label && r.done.message.mr[0] == PROBE_SENTINEL;
    env.report->check(ok, name, "a read after unmap faulted: label {} rip {:x} address {:x} error {:x}",
                      r.fault.message.info.label, r.fault.message.mr[0], r.fault.message.mr[1], r.fault.message.mr[2]);
}

// Code runs only from a mapping with the execute right.
void no_execute(Env& env) {
    const char* name = "vspace.no-execute";
    const Result<CPtr> data = env.map_new(scratch(4), user::rw);
    const Result<CPtr> code = env.make(ObjectKind::frame_4k);
    if (!env.report->setup(data, name, "map") || !env.report->setup(code, name, "frame") ||
        !env.report->setup(user::map_frame(*env.pool, root_vspace, code.value(), scratch(5), user::rw), name, "map")) {
        return;
    }
    constexpr std::uint8_t ret = 0xc3;
    *reinterpret_cast<volatile std::uint8_t*>(scratch(4)) = ret;
    *reinterpret_cast<volatile std::uint8_t*>(scratch(5)) = ret;
    // The code frame moves to an executable mapping.
    const Status unmapped = user::unmap_frame(code.value());
    const Status mapped = user::map_frame(*env.pool, root_vspace, code.value(), scratch(6), user::rx);
    Faulted nx;
    ProbeRun x;
    if (!env.report->setup(unmapped, name, "unmap") || !env.report->setup(mapped, name, "map rx") ||
        !env.report->setup(probe_faulting(env, ProbeOp::exec, scratch(4), address_of(probe_exec_fixup), nx), name,
                           "probe") ||
        !env.report->setup(start_probe(env, x, ProbeOp::exec, scratch(6), 0), name, "probe")) {
        return;
    }
    const user::Reply ran = user::recv(x.endpoint);
    const bool ok = is_page_fault(nx.fault, scratch(4), scratch(4), pf_present | pf_user | pf_fetch) &&
                    nx.done.message.info.label == probe_done_label && ran.message.info.label == probe_done_label;
    env.report->check(ok, name,
                      "a call into a data page faulted: rip {:x} address {:x} error {:x}; into an executable one: "
                      "label {} (want {})",
                      nx.fault.message.mr[0], nx.fault.message.mr[1], nx.fault.message.mr[2], ran.message.info.label,
                      probe_done_label);
}

// A mapping carries at most the capability's rights, and each capability
// maps its frame in one place at a time (another capability to the same
// frame may map it elsewhere).
void frame_rights(Env& env) {
    const char* name = "vspace.frame-rights";
    const Result<CPtr> f = env.make(ObjectKind::frame_4k);
    const Result<CPtr> ro_cap = f.ok() ? env.mint(f.value(), right_read, 0) : Result<CPtr>(Status::empty_slot);
    if (!env.report->setup(ro_cap, name, "frame")) {
        return;
    }
    // The paging structures for scratch(7) exist already (scratch(0) is in
    // the same page table); make sure with an unrelated mapping.
    const Result<CPtr> other = env.map_new(scratch(8), user::rw);
    const Status writable =
        user::invoke(ro_cap.value(), abi::Invocation::frame_map, {root_vspace, scratch(7), user::rw}).status;
    const Status executable =
        user::invoke(ro_cap.value(), abi::Invocation::frame_map, {root_vspace, scratch(7), user::rx}).status;
    const Status readable =
        user::invoke(ro_cap.value(), abi::Invocation::frame_map, {root_vspace, scratch(7), user::ro}).status;
    const Status twice =
        user::invoke(ro_cap.value(), abi::Invocation::frame_map, {root_vspace, scratch(9), user::ro}).status;
    const Status by_other =
        user::invoke(f.value(), abi::Invocation::frame_map, {root_vspace, scratch(9), user::ro}).status;
    env.report->check(other.ok() && writable == Status::insufficient_rights &&
                          executable == Status::insufficient_rights && readable == Status::ok &&
                          twice == Status::slot_occupied && by_other == Status::ok,
                      name,
                      "read-only capability mapped writable: {}, executable: {}, read-only: {}; the same "
                      "capability again elsewhere: {}; the frame through another capability: {}",
                      user::status_name(writable), user::status_name(executable), user::status_name(readable),
                      user::status_name(twice), user::status_name(by_other));
}

// An address space is destroyed while a frame (made elsewhere) is still
// mapped in it; its memory then becomes a new address space. The frame is
// no longer mapped anywhere and must map again.
void pml4_reuse(Env& env) {
    const char* name = "vspace.pml4-reuse";
    constexpr std::uint64_t where = 0x0000500000000000;
    const Result<CPtr> u = env.make(ObjectKind::untyped, 16);
    const Result<CPtr> frame = env.make(ObjectKind::frame_4k);
    const Result<CPtr> table = env.make(ObjectKind::page_table);
    if (!env.report->setup(u, name, "untyped") || !env.report->setup(frame, name, "frame") ||
        !env.report->setup(table, name, "page table")) {
        return;
    }
    // The PML4 and its upper levels come from u; the page table and the
    // frame from the pool, so they outlive the address space.
    const Result<CPtr> slots[] = {env.slot(), env.slot(), env.slot(), env.slot()};
    if (!env.report->setup(slots[3], name, "slots")) {
        return;  // slots are handed out in order: the last one failing is enough
    }
    const auto retype = [&](ObjectKind kind, CPtr slot) {
        return user::invoke(u.value(), abi::Invocation::untyped_retype, {user::raw_kind(kind), 0, root_cnode, slot, 1})
            .status;
    };
    const CPtr pml4 = slots[0].value();
    const Status made = retype(ObjectKind::pml4, pml4) == Status::ok &&
                                retype(ObjectKind::pdpt, slots[1].value()) == Status::ok &&
                                retype(ObjectKind::page_directory, slots[2].value()) == Status::ok
                            ? Status::ok
                            : Status::not_enough_memory;
    const auto map_table = [&](CPtr t) {
        return user::invoke(t, abi::Invocation::page_table_map, {pml4, where}).status;
    };
    if (!env.report->setup(made, name, "address space") ||
        !env.report->setup(map_table(slots[1].value()), name, "map PDPT") ||
        !env.report->setup(map_table(slots[2].value()), name, "map page directory") ||
        !env.report->setup(map_table(table.value()), name, "map page table") ||
        !env.report->setup(user::invoke(frame.value(), abi::Invocation::frame_map, {pml4, where, user::rw}).status,
                           name, "map frame")) {
        return;
    }
    // Destroy the address space (and its upper levels), then make a new
    // PML4 in the same memory.
    const Status revoked = user::invoke(root_cnode, abi::Invocation::cnode_revoke, {u.value(), 64}).status;
    const Status again = retype(ObjectKind::pml4, slots[3].value());
    const Status frame_maps = user::map_frame(*env.pool, root_vspace, frame.value(), scratch(60), user::rw);
    const Status table_maps =
        user::invoke(table.value(), abi::Invocation::page_table_map, {slots[3].value(), where}).status;
    env.report->check(revoked == Status::ok && again == Status::ok && frame_maps == Status::ok &&
                          table_maps == Status::depth_mismatch,
                      name,
                      "after its address space was destroyed and its memory became a new PML4: the frame maps "
                      "again: {} (want ok); the page table: {} (want depth_mismatch: no PDPT yet)",
                      user::status_name(frame_maps), user::status_name(table_maps));
}

const TestCase group[] = {
    {"vspace.map-rw", map_rw},         {"vspace.read-only-fault", read_only}, {"vspace.unmap-fault", unmap_fault},
    {"vspace.no-execute", no_execute}, {"vspace.frame-rights", frame_rights}, {"vspace.pml4-reuse", pml4_reuse},
};

}  // namespace

SEPTUM_TEST_GROUP(vspace_tests, group);

}  // namespace septum::roottask
