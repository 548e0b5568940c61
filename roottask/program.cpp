#include "program.hpp"

#include <cstring>

#include "description/need.hpp"
#include "septum/lib/elf.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

namespace {

using user::invoke;

std::uint64_t rights_of(const elf::Segment& s) {
    std::uint64_t r = user::ro;
    r |= s.writable ? static_cast<std::uint64_t>(user::MapRights::write) : 0;
    r |= s.executable ? static_cast<std::uint64_t>(user::MapRights::execute) : 0;
    return r;
}

// One page of a segment: the file's bytes that fall in it, zero elsewhere.
Status load_page(Env& env, const Program& p, const std::uint8_t* image, const elf::Segment& s, std::uint64_t va) {
    const std::uint64_t lo = va > s.vaddr ? va : s.vaddr;
    const std::uint64_t file_end = s.vaddr + s.file_size;
    const std::uint64_t hi = va + user::page_size < file_end ? va + user::page_size : file_end;
    const Result<CPtr> frame = lo < hi ? filled_frame(env, image + s.file_offset + (lo - s.vaddr), hi - lo, lo - va)
                                       : filled_frame(env, nullptr, 0);
    SEPTUM_TRY(frame);
    return user::map_frame(*env.pool, p.pml4, frame.value(), va, rights_of(s));
}

}  // namespace

Status load_program(Env& env, const abi::ModuleDescription& module, Program& p) {
    elf::Image image;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(module.address);
    if (!description::read_program(bytes, module.size, image)) {
        return Status::invalid_argument;
    }
    SEPTUM_TRY(make_space(env, p));
    for (std::size_t i = 0; i < image.segment_count; ++i) {
        const elf::Segment& s = image.segments[i];
        for (std::uint64_t va = s.vaddr & ~(user::page_size - 1); va < s.vaddr + s.mem_size; va += user::page_size) {
            SEPTUM_TRY(load_page(env, p, bytes, s, va));
        }
    }
    p.entry = image.entry;
    return Status::ok;
}

Status give(Env& env, const Program& p, std::uint64_t index, CPtr cap, std::uint64_t rights, std::uint64_t badge) {
    return invoke(env.alias, abi::Invocation::cnode_mint,
                  {cap, alias_root_depth, second_level(p.cnode, index), 64, rights, badge})
        .status;
}

Status map_into(Env& env, const Program& p, CPtr frame, std::uint64_t vaddr, std::uint64_t rights,
                user::FrameSize size) {
    const Result<CPtr> copy = env.copy(frame);
    SEPTUM_TRY(copy);
    return user::map_frame(*env.pool, p.pml4, copy.value(), vaddr, rights, size);
}

Status start(Env& env, Program& p, std::uint8_t priority, std::uint64_t argument, CPtr bound) {
    const user::ThreadSpec spec{p.cspace_root, p.pml4, env.next_window++, priority, 0, false};
    SEPTUM_TRY(p.thread.create(*env.pool, spec));
    if (bound != 0) {
        SEPTUM_TRY(invoke(p.thread.tcb(), abi::Invocation::tcb_bind_notification, {bound}).status);
    }
    return p.thread.start_at(p.entry, argument, 0, 0);
}

const abi::ModuleDescription* find_module(const abi::BootInfo& bi, const char* name) {
    const std::size_t n = std::strlen(name);
    for (std::uint64_t i = 0; i < bi.module_count && i < abi::max_modules; ++i) {
        const char* m = bi.modules[i].name;
        if (std::strncmp(m, name, n) == 0 && (m[n] == '\0' || m[n] == ' ')) {
            return &bi.modules[i];
        }
    }
    return nullptr;
}

}  // namespace septum::roottask
