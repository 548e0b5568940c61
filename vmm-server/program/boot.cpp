#include "boot.hpp"

#include <cstring>

#include "septum/lib/format.hpp"
#include "septum/vmm/linux.hpp"
#include "septum/vmm/loader.hpp"

namespace septum::vmm_program {

namespace {

// Where a Multiboot guest's information structure goes.
constexpr std::uint64_t multiboot_info_address = 0x500;

Result<abi::VcpuState> load_linux(const abi::CellInfo& info, vmm::RamGuestMemory& memory, RingConsole& console,
                                  const vmm::PcDevices& pc, const vmm::CpuidPolicy& cpuid) {
    vmm::MemoryRegion regions[3];
    vmm::LinuxOptions options{vmm::pc_memory_map(info.guest_ram_size, regions), nullptr, {}};
    // The CellInfo page is read-only here, but its command line is the
    // root task's: only a terminated one is used.
    if (std::memchr(info.command_line, '\0', sizeof info.command_line) != nullptr && info.command_line[0] != '\0') {
        options.command_line = info.command_line;
    }
    options.initrd = vmm::Image{reinterpret_cast<const std::uint8_t*>(info.initrd), info.initrd_size};
    const vmm::Image kernel{reinterpret_cast<const std::uint8_t*>(info.image), info.image_size};
    const vmm::LinuxLoad load = info.image_kind == abi::ImageKind::linux_pvh
                                    ? vmm::load_linux_pvh(memory, kernel, options)
                                    : vmm::load_linux_bzimage(memory, kernel, options);
    if (!load.ok()) {
        format_to(console, "vmm: cannot boot this Linux kernel: {}\n", vmm::describe(load.error));
        return vmm::status_of(load.error);
    }
    if (const Status s = pc.write_tables(memory, cpuid); s != Status::ok) {
        console.line("vmm: cannot write the MP table: guest RAM ends below 1 MiB\n");
        return s;
    }
    const vmm::LinuxPlacement& at = load.placement;
    format_to(console, "vmm: Linux kernel at {:x}-{:x}, initrd at {:x} ({} bytes), entry {:x}\n", at.kernel_base,
              at.kernel_end, at.initrd_base, at.initrd_size, at.entry);
    return load.state;
}

}  // namespace

Result<abi::VcpuState> load_guest(const abi::CellInfo& info, vmm::RamGuestMemory& memory, Ram ram, RingConsole& console,
                                  const vmm::PcDevices* pc, const vmm::CpuidPolicy& cpuid) {
    if (ram == Ram::clear) {
        std::memset(reinterpret_cast<void*>(info.guest_ram), 0, info.guest_ram_size);
    }
    const vmm::Image image{reinterpret_cast<const std::uint8_t*>(info.image), info.image_size};
    switch (info.image_kind) {
        case abi::ImageKind::multiboot:
            return vmm::load_multiboot(memory, image, {info.guest_ram_size, multiboot_info_address, info.name});
        case abi::ImageKind::flat:
            return vmm::load_flat(memory, image, info.guest_entry);
        case abi::ImageKind::linux_pvh:
        case abi::ImageKind::linux_bzimage:
            if (pc != nullptr) {
                return load_linux(info, memory, console, *pc, cpuid);
            }
            break;
    }
    return Status::invalid_argument;
}

}  // namespace septum::vmm_program
