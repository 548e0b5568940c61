// The Linux loaders' fuzzers (linux_pvh_fuzz.cpp, linux_bzimage_fuzz.cpp).
// An input is
//
//   byte      guest RAM: a size from a table (64 KiB to 8 GiB) or any
//   byte      the memory map: the PC layout, one region, or regions from
//             the input (any count, bases, sizes and types)
//   value     the initrd's size (its bytes come from a 1 MiB buffer)
//   value     the command line's length
//   byte      whether a write of guest memory fails, and which
//   byte      even: an image built to order from the bytes that follow
//             (the loader's builder reads them), then byte patches and
//             perhaps a truncation; odd: the rest of the input is the image
//
// Guest memory is sparse: RAM may be as large as a tenant's without being
// there; every write is checked against the map and remembered. After the
// load the oracles run (check_load); a violation aborts.
#pragma once

#include <septum/vmm/linux.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "linux_images.hpp"
#include "source.hpp"

namespace septum::fuzz {

enum class LinuxBoot : std::uint8_t { pvh, bzimage };

// Builds an image to order from the input (the spec's fields).
using ImageBuilder = vmm::testing::Bytes (*)(Source& source);

vmm::testing::Bytes vmlinux_from(Source& source);
vmm::testing::Bytes bzimage_from(Source& source);

// Runs one input through the loader of `boot`; always 0 (libFuzzer's contract).
int run_linux(const std::uint8_t* data, std::size_t size, LinuxBoot boot);

}  // namespace septum::fuzz
