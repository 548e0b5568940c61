#include "env.hpp"

#include <cstring>

#include "septum/caps/capability.hpp"
#include "septum/user/invoke.hpp"
#include "septum/user/vspace.hpp"

namespace septum::roottask {

using caps::ObjectKind;
using user::invoke;

namespace {
// Where new frames are filled before they go elsewhere (filled_frame).
constexpr unsigned staging_page = 511;
}  // namespace

Result<CPtr> Env::copy(CPtr src) {
    const Result<CPtr> dest = slot();
    SEPTUM_TRY(dest);
    SEPTUM_TRY(invoke(root_cnode, abi::Invocation::cnode_copy, {src, 64, dest.value(), 64}).status);
    return dest.value();
}

Result<CPtr> Env::mint(CPtr src, std::uint64_t rights, std::uint64_t data) {
    const Result<CPtr> dest = slot();
    SEPTUM_TRY(dest);
    SEPTUM_TRY(invoke(root_cnode, abi::Invocation::cnode_mint, {src, 64, dest.value(), 64, rights, data}).status);
    return dest.value();
}

Result<CPtr> Env::map_new(std::uint64_t vaddr, std::uint64_t rights) {
    return user::map_new_frame(*pool, root_vspace, vaddr, rights);
}

Status Env::spawn(user::Thread& t, void (*fn)(std::uint64_t), std::uint64_t arg, std::uint8_t priority,
                  CPtr fault_endpoint) {
    const user::ThreadSpec spec{root_cnode, root_vspace, next_window++, priority, fault_endpoint, true};
    SEPTUM_TRY(t.create(*pool, spec));
    return t.start(fn, arg);
}

Result<CPtr> filled_frame(Env& env, const void* bytes, std::size_t n, std::size_t offset) {
    const Result<CPtr> frame = env.map_new(scratch(staging_page), user::rw);
    SEPTUM_TRY(frame);
    if (n != 0) {
        std::memcpy(reinterpret_cast<std::uint8_t*>(scratch(staging_page)) + offset, bytes, n);
    }
    SEPTUM_TRY(user::unmap_frame(frame.value()));
    return frame.value();
}

Status make_space(Env& env, Space& s) {
    const Result<CPtr> pml4 = env.make(ObjectKind::pml4);
    const Result<CPtr> cnode = env.make(ObjectKind::cnode, second_level_radix);
    SEPTUM_TRY(pml4);
    SEPTUM_TRY(cnode);
    s.pml4 = pml4.value();
    s.cnode = cnode.value();
    // The guard takes the address bits the radix leaves, so depth-64
    // addresses resolve in one level.
    const Result<CPtr> root = env.mint(s.cnode, rights_all, caps::encode_guard(0, 64 - second_level_radix));
    SEPTUM_TRY(root);
    s.cspace_root = root.value();
    return Status::ok;
}

}  // namespace septum::roottask
