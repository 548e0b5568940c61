// The boot page tables built by boot.S: the kernel image at -2 GiB and a
// direct map of low physical memory at PHYSMAP_BASE, both in 2 MiB pages.
#pragma once

#include <cstdint>

namespace septum::arch::paging {

// Removes the identity map boot.S needed to switch to long mode, so that
// the lower half is free for user space and null pointers fault.
void drop_identity_map();

// Makes the 2 MiB direct-map page holding phys uncacheable (for device
// registers such as the LAPIC). Returns false if phys is not direct-mapped.
bool make_uncacheable(std::uint64_t phys);

}  // namespace septum::arch::paging
