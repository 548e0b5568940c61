#include <septum/vmm/mp_table.hpp>
#include <septum/vmm/pc_devices.hpp>

namespace septum::vmm {

Status PcDevices::attach(Bus& ports, Bus& mmio) {
    SEPTUM_TRY(ports.claim(Uart16550::com1, Uart16550::register_count, com1));
    SEPTUM_TRY(ports.claim(Rtc::base_port, Rtc::port_count, rtc));
    SEPTUM_TRY(ports.claim(KeyboardReset::port, KeyboardReset::width, keyboard));
    SEPTUM_TRY(ports.claim(ResetControl::port, ResetControl::width, reset_control));
    return mmio.claim(IoApic::default_base, IoApic::window, ioapic);
}

Status PcDevices::write_tables(GuestMemory& memory, const CpuidPolicy& cpuid) const {
    const CpuidRegs leaf1 = cpuid.query(1, 0, 0);
    MpTableConfig config;
    config.cpu_signature = leaf1.eax;
    config.cpu_features = leaf1.edx;
    return write_mp_table(memory, config);
}

}  // namespace septum::vmm
