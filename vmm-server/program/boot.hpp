// Guest memory as at power-on: the image the root task mapped, loaded as
// its kind says (abi::ImageKind), and for a Linux kernel its initrd,
// command line, memory map and the MP table of the platform's devices.
// At the start and at every reset.
#pragma once

#include <cstdint>

#include "host.hpp"
#include "septum/abi/cell.hpp"
#include "septum/vmm/cpuid.hpp"
#include "septum/vmm/guest_memory.hpp"
#include "septum/vmm/pc_devices.hpp"

namespace septum::vmm_program {

// Whether guest RAM must be cleared before the image is loaded: the root
// task hands it over zeroed (abi::CellInfo), so only a reset clears it (a
// quadword a step: 256 MiB is 32 million in Bochs).
enum class Ram : std::uint8_t { as_handed_over, clear };

// The entry state, or why the image cannot start: a line on the console
// says so in words, and the status goes in the cell's report.
Result<abi::VcpuState> load_guest(const abi::CellInfo& info, vmm::RamGuestMemory& memory, Ram ram, RingConsole& console,
                                  const vmm::PcDevices* pc, const vmm::CpuidPolicy& cpuid);

}  // namespace septum::vmm_program
