// The layouts a VMM hands a Linux kernel, named once: the PVH start
// information (Xen's public header arch-x86/hvm/start_info.h, version 1),
// the ELF note that marks a PVH entry (xen/include/public/elfnote.h), and
// the Linux/x86 boot protocol's setup header and zero page
// (Documentation/arch/x86/boot.rst and zero-page.rst, protocol 2.15).
// Guest memory is written field by field at these offsets, little-endian;
// nothing here is a C++ layout of guest memory.
#pragma once

#include <cstdint>

namespace septum::vmm {

// Memory map entry types, the same numbers in e820 and in the PVH memory
// map (XEN_HVM_MEMMAP_TYPE_*).
enum class RegionType : std::uint32_t {
    ram = 1,
    reserved = 2,
    acpi = 3,  // ACPI tables, reclaimable
    nvs = 4,   // ACPI non-volatile storage
    unusable = 5,
};

namespace pvh {

// The note whose descriptor is the 32-bit physical entry point
// (XEN_ELFNOTE_PHYS32_ENTRY); Linux writes it 8 bytes wide on x86-64.
inline constexpr const char* note_owner = "Xen";
inline constexpr std::uint32_t note_phys32_entry = 0x12;

// struct hvm_start_info: 56 bytes.
namespace start_info {
inline constexpr std::uint32_t magic_value = 0x336ec578;  // "xEn3" with bit 7 of "E" set
inline constexpr std::uint32_t version_value = 1;         // adds the memory map
inline constexpr std::uint64_t magic = 0;                 // u32
inline constexpr std::uint64_t version = 4;               // u32
inline constexpr std::uint64_t flags = 8;                 // u32
inline constexpr std::uint64_t nr_modules = 12;           // u32
inline constexpr std::uint64_t modlist_paddr = 16;        // u64
inline constexpr std::uint64_t cmdline_paddr = 24;        // u64
inline constexpr std::uint64_t rsdp_paddr = 32;           // u64
inline constexpr std::uint64_t memmap_paddr = 40;         // u64
inline constexpr std::uint64_t memmap_entries = 48;       // u32, then a reserved u32
inline constexpr std::uint64_t size = 56;
}  // namespace start_info

// struct hvm_modlist_entry: paddr, size, cmdline_paddr, reserved (u64 each).
namespace module {
inline constexpr std::uint64_t paddr = 0;
inline constexpr std::uint64_t size_field = 8;
inline constexpr std::uint64_t size = 32;
}  // namespace module

// struct hvm_memmap_table_entry: addr (u64), size (u64), type (u32),
// reserved (u32).
namespace memmap {
inline constexpr std::uint64_t size = 24;
}

}  // namespace pvh

namespace bzimage {

// The setup header, at the same offsets in the image and in the zero page.
namespace hdr {
inline constexpr std::uint64_t setup_sects = 0x1f1;       // u8: 512-byte setup sectors after the boot sector; 0 means 4
inline constexpr std::uint64_t syssize = 0x1f4;           // u32: protected-mode code size in 16-byte units
inline constexpr std::uint64_t boot_flag = 0x1fe;         // u16
inline constexpr std::uint64_t jump = 0x200;              // two bytes: a short jump over the header
inline constexpr std::uint64_t header = 0x202;            // u32: "HdrS"
inline constexpr std::uint64_t version = 0x206;           // u16
inline constexpr std::uint64_t type_of_loader = 0x210;    // u8
inline constexpr std::uint64_t loadflags = 0x211;         // u8
inline constexpr std::uint64_t code32_start = 0x214;      // u32
inline constexpr std::uint64_t ramdisk_image = 0x218;     // u32
inline constexpr std::uint64_t ramdisk_size = 0x21c;      // u32
inline constexpr std::uint64_t cmd_line_ptr = 0x228;      // u32
inline constexpr std::uint64_t initrd_addr_max = 0x22c;   // u32: highest address the initrd may end at
inline constexpr std::uint64_t kernel_alignment = 0x230;  // u32
inline constexpr std::uint64_t relocatable_kernel = 0x234;  // u8
inline constexpr std::uint64_t xloadflags = 0x236;          // u16
inline constexpr std::uint64_t cmdline_size = 0x238;        // u32: longest command line, without the NUL
inline constexpr std::uint64_t pref_address = 0x258;        // u64
inline constexpr std::uint64_t init_size = 0x260;           // u32: memory the kernel needs from its load address

inline constexpr std::uint16_t boot_flag_value = 0xaa55;
inline constexpr std::uint32_t header_value = 0x53726448;  // "HdrS"
inline constexpr std::uint8_t short_jump = 0xeb;
inline constexpr std::uint16_t version_64bit_entry = 0x020c;  // 2.12: xloadflags
inline constexpr std::uint8_t default_setup_sects = 4;
inline constexpr std::uint64_t sector = 512;
inline constexpr std::uint8_t loader_undefined = 0xff;  // type_of_loader: no assigned loader ID
}  // namespace hdr

namespace loadflags {
inline constexpr std::uint8_t loaded_high = 1u << 0;  // protected-mode code at 1 MiB or above
}

namespace xloadflags {
inline constexpr std::uint16_t kernel_64 = 1u << 0;               // entry at load address + 0x200
inline constexpr std::uint16_t can_be_loaded_above_4g = 1u << 1;  // kernel, boot_params, cmdline, initrd
}  // namespace xloadflags

inline constexpr std::uint64_t entry_64_offset = 0x200;  // startup_64

// struct boot_params, the "zero page": 4 KiB.
namespace zero_page {
inline constexpr std::uint64_t ext_ramdisk_image = 0x0c0;  // u32: bits 63:32
inline constexpr std::uint64_t ext_ramdisk_size = 0x0c4;   // u32
inline constexpr std::uint64_t ext_cmd_line_ptr = 0x0c8;   // u32
inline constexpr std::uint64_t e820_entries = 0x1e8;       // u8
inline constexpr std::uint64_t hdr_end = 0x290;            // the setup header lies in [0x1f1, 0x290)
inline constexpr std::uint64_t e820_table = 0x2d0;         // packed: addr u64, size u64, type u32
inline constexpr std::uint64_t e820_entry_size = 20;
inline constexpr std::uint64_t e820_max = 128;
inline constexpr std::uint64_t size = 4096;
}  // namespace zero_page

}  // namespace bzimage

}  // namespace septum::vmm
