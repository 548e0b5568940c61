#include "paging.hpp"

#include "cpu.hpp"
#include "layout.hpp"

extern "C" std::uint64_t boot_pml4[512];
extern "C" std::uint64_t boot_pd[512 * PHYSMAP_GIB];

namespace septum::arch::paging {

namespace {
constexpr std::uint64_t pte_pwt = 1u << 3;
constexpr std::uint64_t pte_pcd = 1u << 4;
constexpr unsigned large_page_shift = 21;
}  // namespace

void drop_identity_map() {
    boot_pml4[0] = 0;
    write_cr3(read_cr3());  // flush every non-global translation
}

bool make_uncacheable(std::uint64_t phys) {
    if (phys >= physmap_size) {
        return false;
    }
    boot_pd[phys >> large_page_shift] |= pte_pcd | pte_pwt;
    invlpg(phys_to_virt<void>(phys));
    // The -2 GiB alias shares these entries; flush it too when it applies.
    if (phys < (std::uint64_t{1} << 30)) {
        invlpg(reinterpret_cast<void*>(kernel_virt_base + phys));
    }
    return true;
}

}  // namespace septum::arch::paging
