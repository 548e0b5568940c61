// The MP table fuzzer: any placement (aligned or not, inside, across the
// edge of or outside guest RAM of any size and base, near 4 GiB) and any
// configuration. The writer succeeds exactly when the table fits where an
// OS can use it; then the table reads back, checksums and all, with the
// values configured (mp_table_reader.hpp, written apart from the writer);
// otherwise guest RAM is untouched.
#include <septum/vmm/mp_table.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "machine.hpp"
#include "mp_table_reader.hpp"
#include "source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace septum;
    using namespace septum::fuzz;
    Source source{data, size};
    const std::uint64_t ram_size = source.u16() % 0x3000;
    const std::uint64_t base = source.one_in(4) ? source.value() & ~std::uint64_t{0xfff} : 0x9f000;
    std::vector<std::uint8_t> ram(ram_size, 0x5a);
    vmm::RamGuestMemory memory{ram.data(), ram_size, base};
    vmm::MpTableConfig c;
    c.address = source.one_in(4) ? source.value() : base + source.u16() % (ram_size + 64);
    if (source.one_in(2)) {
        c.address &= ~std::uint64_t{0xf};
    }
    c.cpu_signature = source.u32();
    c.cpu_features = source.u32();
    c.local_apic_id = source.u8();
    c.local_apic_version = source.u8();
    c.local_apic_address = source.u32();
    c.ioapic_id = source.u8();
    c.ioapic_version = source.u8();
    c.ioapic_address = source.u32();

    const Status status = vmm::write_mp_table(memory, c);
    const bool placeable = c.address % 16 == 0 && c.address <= (std::uint64_t{1} << 32) - vmm::mp_table_size;
    const bool fits = memory.contains(c.address, vmm::mp_table_size);
    if ((status == Status::ok) != (placeable && fits)) {
        violated("write_mp_table at %#llx in [%#llx, +%#llx) returned %d", static_cast<unsigned long long>(c.address),
                 static_cast<unsigned long long>(base), static_cast<unsigned long long>(ram_size),
                 static_cast<int>(status));
    }
    if (status != Status::ok) {
        for (const std::uint8_t b : ram) {
            if (b != 0x5a) {
                violated("a refused MP table wrote guest RAM");
            }
        }
        return 0;
    }
    vmm::testing::MpTable t;
    const std::string error = vmm::testing::read_mp_table(memory, c.address, t);
    if (!error.empty()) {
        violated("the MP table does not read back: %s", error.c_str());
    }
    if (t.processors.size() != 1 || t.processors[0].apic_id != c.local_apic_id ||
        t.processors[0].apic_version != c.local_apic_version || t.processors[0].signature != c.cpu_signature ||
        t.processors[0].features != c.cpu_features || t.local_apic_address != c.local_apic_address ||
        t.ioapics.size() != 1 || t.ioapics[0].id != c.ioapic_id || t.ioapics[0].version != c.ioapic_version ||
        t.ioapics[0].address != c.ioapic_address || t.io_interrupts.size() != vmm::pc::isa_irq_count) {
        violated("the MP table reads back other values than configured");
    }
    for (const auto& i : t.io_interrupts) {
        if (i.destination != c.ioapic_id) {
            violated("an ISA IRQ routed to I/O APIC %u, not %u", i.destination, c.ioapic_id);
        }
    }
    return 0;
}
