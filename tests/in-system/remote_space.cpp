#include "remote_space.hpp"

#include "septum/user/invoke.hpp"
#include "septum/user/vspace.hpp"
#include "sites.hpp"

namespace septum::roottask {

namespace {

// Copies `bytes` into a new frame and maps it at vaddr in pml4.
Status map_remote_copy(Env& env, CPtr pml4, std::uint64_t vaddr, const void* bytes, std::size_t n,
                       std::uint64_t rights) {
    const Result<CPtr> frame = filled_frame(env, bytes, n);
    SEPTUM_TRY(frame);
    return user::map_frame(*env.pool, pml4, frame.value(), vaddr, rights);
}

}  // namespace

Status map_remote_word(Env& env, CPtr pml4, std::uint64_t vaddr, std::uint64_t value) {
    return map_remote_copy(env, pml4, vaddr, &value, sizeof value, user::rw);
}

Status make_remote(Env& env, RemoteSpace& r, CPtr endpoint, std::uint8_t priority, CPtr fault_endpoint) {
    SEPTUM_TRY(make_space(env, r));
    SEPTUM_TRY(
        user::invoke(env.alias, abi::Invocation::cnode_mint,
                     {endpoint, alias_root_depth, second_level(r.cnode, RemoteSpace::endpoint_slot), 64, right_read, 0})
            .status);
    for (std::uint64_t page = address_of(__remote_text_start); page < address_of(__remote_text_end);
         page += user::page_size) {
        SEPTUM_TRY(map_remote_copy(env, r.pml4, page, reinterpret_cast<const void*>(page), user::page_size, user::rx));
    }
    const user::ThreadSpec spec{r.cspace_root, r.pml4, env.next_window++, priority, fault_endpoint, false};
    SEPTUM_TRY(r.thread.create(*env.pool, spec));
    return r.thread.start_at(address_of(remote_server), RemoteSpace::endpoint_slot, 0, 0);
}

}  // namespace septum::roottask
