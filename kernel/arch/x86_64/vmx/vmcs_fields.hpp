// VMCS field encodings (Intel SDM Vol. 3, Appendix B) and the control
// bits the kernel uses (24.6-24.8). Defined once; no instructions here, so
// the portable VM-entry checks (entry_checks.hpp) and its host fuzzer
// include it too. vmcs.hpp adds the VMX instructions.
#pragma once

#include <cstdint>

namespace septum::arch::vmcs {

enum class Field : std::uint32_t {
    // 16-bit
    vpid = 0x0000,
    guest_es_selector = 0x0800,
    guest_cs_selector = 0x0802,
    guest_ss_selector = 0x0804,
    guest_ds_selector = 0x0806,
    guest_fs_selector = 0x0808,
    guest_gs_selector = 0x080a,
    guest_ldtr_selector = 0x080c,
    guest_tr_selector = 0x080e,
    guest_interrupt_status = 0x0810,
    host_es_selector = 0x0c00,
    host_cs_selector = 0x0c02,
    host_ss_selector = 0x0c04,
    host_ds_selector = 0x0c06,
    host_fs_selector = 0x0c08,
    host_gs_selector = 0x0c0a,
    host_tr_selector = 0x0c0c,
    // 64-bit
    msr_bitmap_address = 0x2004,
    virtual_apic_address = 0x2012,
    apic_access_address = 0x2014,
    ept_pointer = 0x201a,
    eoi_exit_bitmap_0 = 0x201c,
    eoi_exit_bitmap_1 = 0x201e,
    eoi_exit_bitmap_2 = 0x2020,
    eoi_exit_bitmap_3 = 0x2022,
    guest_physical_address = 0x2400,
    exit_msr_store_address = 0x2006,
    exit_msr_load_address = 0x2008,
    entry_msr_load_address = 0x200a,
    vmcs_link_pointer = 0x2800,
    guest_pat = 0x2804,
    guest_efer = 0x2806,
    host_pat = 0x2c00,
    host_efer = 0x2c02,
    // 32-bit control
    pin_controls = 0x4000,
    proc_controls = 0x4002,
    exception_bitmap = 0x4004,
    cr3_target_count = 0x400a,
    exit_controls = 0x400c,
    exit_msr_store_count = 0x400e,
    exit_msr_load_count = 0x4010,
    entry_controls = 0x4012,
    entry_msr_load_count = 0x4014,
    entry_interruption_info = 0x4016,
    entry_exception_error = 0x4018,
    entry_instruction_length = 0x401a,
    tpr_threshold = 0x401c,
    secondary_controls = 0x401e,
    // 32-bit read-only
    instruction_error = 0x4400,
    exit_reason = 0x4402,
    exit_interruption_info = 0x4404,
    exit_interruption_error = 0x4406,
    idt_vectoring_info = 0x4408,
    idt_vectoring_error = 0x440a,
    exit_instruction_length = 0x440c,
    exit_instruction_info = 0x440e,
    // 32-bit guest
    guest_es_limit = 0x4800,
    guest_cs_limit = 0x4802,
    guest_ss_limit = 0x4804,
    guest_ds_limit = 0x4806,
    guest_fs_limit = 0x4808,
    guest_gs_limit = 0x480a,
    guest_ldtr_limit = 0x480c,
    guest_tr_limit = 0x480e,
    guest_gdtr_limit = 0x4810,
    guest_idtr_limit = 0x4812,
    guest_es_access = 0x4814,
    guest_cs_access = 0x4816,
    guest_ss_access = 0x4818,
    guest_ds_access = 0x481a,
    guest_fs_access = 0x481c,
    guest_gs_access = 0x481e,
    guest_ldtr_access = 0x4820,
    guest_tr_access = 0x4822,
    guest_interruptibility = 0x4824,
    guest_activity = 0x4826,
    guest_sysenter_cs = 0x482a,
    preemption_timer_value = 0x482e,
    host_sysenter_cs = 0x4c00,
    // natural width
    cr0_mask = 0x6000,
    cr4_mask = 0x6002,
    cr0_read_shadow = 0x6004,
    cr4_read_shadow = 0x6006,
    exit_qualification = 0x6400,
    guest_linear_address = 0x640a,
    guest_cr0 = 0x6800,
    guest_cr3 = 0x6802,
    guest_cr4 = 0x6804,
    guest_es_base = 0x6806,
    guest_cs_base = 0x6808,
    guest_ss_base = 0x680a,
    guest_ds_base = 0x680c,
    guest_fs_base = 0x680e,
    guest_gs_base = 0x6810,
    guest_ldtr_base = 0x6812,
    guest_tr_base = 0x6814,
    guest_gdtr_base = 0x6816,
    guest_idtr_base = 0x6818,
    guest_dr7 = 0x681a,
    guest_rsp = 0x681c,
    guest_rip = 0x681e,
    guest_rflags = 0x6820,
    guest_pending_debug = 0x6822,
    guest_sysenter_esp = 0x6824,
    guest_sysenter_eip = 0x6826,
    host_cr0 = 0x6c00,
    host_cr3 = 0x6c02,
    host_cr4 = 0x6c04,
    host_fs_base = 0x6c06,
    host_gs_base = 0x6c08,
    host_tr_base = 0x6c0a,
    host_gdtr_base = 0x6c0c,
    host_idtr_base = 0x6c0e,
    host_sysenter_esp = 0x6c10,
    host_sysenter_eip = 0x6c12,
    host_rsp = 0x6c14,
    host_rip = 0x6c16,
};

// Control bits (SDM Vol. 3 24.6, 24.7, 24.8).
namespace pin {
inline constexpr std::uint32_t external_interrupt_exiting = 1u << 0;
inline constexpr std::uint32_t nmi_exiting = 1u << 3;
inline constexpr std::uint32_t preemption_timer = 1u << 6;
}  // namespace pin
namespace proc {
inline constexpr std::uint32_t interrupt_window_exiting = 1u << 2;
inline constexpr std::uint32_t hlt_exiting = 1u << 7;
inline constexpr std::uint32_t mwait_exiting = 1u << 10;
inline constexpr std::uint32_t rdpmc_exiting = 1u << 11;
inline constexpr std::uint32_t cr8_load_exiting = 1u << 19;
inline constexpr std::uint32_t cr8_store_exiting = 1u << 20;
inline constexpr std::uint32_t use_tpr_shadow = 1u << 21;
inline constexpr std::uint32_t unconditional_io_exiting = 1u << 24;
inline constexpr std::uint32_t use_msr_bitmaps = 1u << 28;
inline constexpr std::uint32_t monitor_exiting = 1u << 29;
inline constexpr std::uint32_t secondary_controls = 1u << 31;
}  // namespace proc
namespace proc2 {
inline constexpr std::uint32_t virtualize_apic_accesses = 1u << 0;
inline constexpr std::uint32_t enable_ept = 1u << 1;
inline constexpr std::uint32_t virtualize_x2apic_mode = 1u << 4;
inline constexpr std::uint32_t enable_vpid = 1u << 5;
inline constexpr std::uint32_t unrestricted_guest = 1u << 7;
inline constexpr std::uint32_t apic_register_virtualization = 1u << 8;
inline constexpr std::uint32_t virtual_interrupt_delivery = 1u << 9;
}  // namespace proc2
namespace exit_ctl {
inline constexpr std::uint32_t host_address_space_64 = 1u << 9;
inline constexpr std::uint32_t ack_interrupt_on_exit = 1u << 15;
inline constexpr std::uint32_t save_pat = 1u << 18;
inline constexpr std::uint32_t load_pat = 1u << 19;
inline constexpr std::uint32_t save_efer = 1u << 20;
inline constexpr std::uint32_t load_efer = 1u << 21;
}  // namespace exit_ctl
namespace entry_ctl {
inline constexpr std::uint32_t ia32e_guest = 1u << 9;
inline constexpr std::uint32_t load_pat = 1u << 14;
inline constexpr std::uint32_t load_efer = 1u << 15;
}  // namespace entry_ctl

}  // namespace septum::arch::vmcs
