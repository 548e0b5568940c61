// MultiProcessor Specification 1.4, chapter 4: the floating pointer
// structure (4.1), the configuration table header (4.2) and its base
// entries (4.3), built in a buffer, checksummed, and written at once.
#include <septum/vmm/mp_table.hpp>

#include <cstddef>

namespace septum::vmm {

namespace {

constexpr std::uint8_t spec_revision = 4;  // 1.4
constexpr std::size_t floating_size = 16;

enum EntryType : std::uint8_t { processor = 0, bus = 1, io_apic = 2, io_interrupt = 3, local_interrupt = 4 };
enum InterruptType : std::uint8_t { int_vectored = 0, nmi = 1, extint = 3 };

constexpr std::uint8_t cpu_enabled = 0x01;
constexpr std::uint8_t cpu_bootstrap = 0x02;
constexpr std::uint8_t ioapic_enabled = 0x01;
constexpr std::uint8_t isa_bus_id = 0;
constexpr std::uint8_t all_local_apics = 0xff;
constexpr std::uint16_t conforms_to_bus = 0;  // polarity and trigger as the bus defines: ISA is active high, edge

// A little-endian writer over the table being built; the buffer is sized
// for exactly what is written (mp_table_size), which the final check in
// write_mp_table confirms.
class Builder {
public:
    void u8(std::uint8_t v) {
        if (at_ < mp_table_size) {
            bytes_[at_] = v;
        }
        ++at_;
    }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v));
        u8(static_cast<std::uint8_t>(v >> 8));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v));
        u16(static_cast<std::uint16_t>(v >> 16));
    }
    void text(const char* s, std::size_t width) {  // space-padded, no terminator
        for (std::size_t i = 0; i < width; ++i) {
            u8(*s != '\0' ? static_cast<std::uint8_t>(*s++) : ' ');
        }
    }
    void zeros(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            u8(0);
        }
    }
    void put16(std::size_t at, std::uint16_t v) {
        bytes_[at] = static_cast<std::uint8_t>(v);
        bytes_[at + 1] = static_cast<std::uint8_t>(v >> 8);
    }
    // Sets the byte at `slot` so that [begin, end) sums to 0 mod 256.
    void checksum(std::size_t begin, std::size_t end, std::size_t slot) {
        std::uint8_t sum = 0;
        for (std::size_t i = begin; i < end; ++i) {
            sum = static_cast<std::uint8_t>(sum + bytes_[i]);
        }
        bytes_[slot] = static_cast<std::uint8_t>(bytes_[slot] - sum);
    }
    [[nodiscard]] std::size_t size() const { return at_; }
    [[nodiscard]] const std::uint8_t* data() const { return bytes_; }

private:
    std::uint8_t bytes_[mp_table_size] = {};
    std::size_t at_ = 0;
};

void floating_pointer(Builder& b, std::uint32_t table) {
    b.text("_MP_", 4);
    b.u32(table);
    b.u8(1);  // length in 16-byte units
    b.u8(spec_revision);
    b.u8(0);     // checksum, filled in last
    b.zeros(5);  // feature bytes: a configuration table is present, no IMCR (no PIC mode)
}

void header(Builder& b, const MpTableConfig& c, std::uint16_t entries) {
    b.text("PCMP", 4);
    b.u16(0);  // base table length, filled in last
    b.u8(spec_revision);
    b.u8(0);  // checksum, filled in last
    b.text("SEPTUM", 8);
    b.text("SEPTUM VMM", 12);
    b.u32(0);  // no OEM table
    b.u16(0);
    b.u16(entries);
    b.u32(c.local_apic_address);
    b.u16(0);  // no extended table, so its checksum is 0 too
    b.u8(0);
    b.u8(0);
}

void local_interrupt_entry(Builder& b, InterruptType type, std::uint8_t lint) {
    b.u8(local_interrupt);
    b.u8(type);
    b.u16(conforms_to_bus);
    b.u8(isa_bus_id);
    b.u8(0);
    b.u8(all_local_apics);
    b.u8(lint);
}

void entries(Builder& b, const MpTableConfig& c) {
    b.u8(processor);
    b.u8(c.local_apic_id);
    b.u8(c.local_apic_version);
    b.u8(cpu_enabled | cpu_bootstrap);
    b.u32(c.cpu_signature);
    b.u32(c.cpu_features);
    b.zeros(8);

    b.u8(bus);
    b.u8(isa_bus_id);
    b.text("ISA", 6);

    b.u8(io_apic);
    b.u8(c.ioapic_id);
    b.u8(c.ioapic_version);
    b.u8(ioapic_enabled);
    b.u32(c.ioapic_address);

    for (const pc::IsaIrq& irq : pc::isa_irqs) {
        b.u8(io_interrupt);
        b.u8(int_vectored);
        b.u16(conforms_to_bus);
        b.u8(isa_bus_id);
        b.u8(irq.irq);
        b.u8(c.ioapic_id);
        b.u8(irq.pin);
    }
    // LINT0 and LINT1 as the specification's default configurations wire
    // them: ExtINT and NMI, to every local APIC.
    local_interrupt_entry(b, extint, 0);
    local_interrupt_entry(b, nmi, 1);
}

}  // namespace

Status write_mp_table(GuestMemory& memory, const MpTableConfig& config) {
    constexpr std::uint64_t four_gib = std::uint64_t{1} << 32;
    if (config.address % 16 != 0 || config.address > four_gib - mp_table_size) {
        return Status::invalid_argument;
    }
    if (!memory.contains(config.address, mp_table_size)) {
        return Status::out_of_range;
    }
    Builder b;
    const auto table = static_cast<std::uint32_t>(config.address + floating_size);
    floating_pointer(b, table);
    constexpr std::uint16_t entry_count = 3 + pc::isa_irq_count + 2;
    header(b, config, entry_count);
    entries(b, config);
    if (b.size() != mp_table_size) {
        return Status::invalid_argument;  // the layout above and mp_table_size disagree: a bug, not input
    }
    b.put16(floating_size + 4, static_cast<std::uint16_t>(mp_table_size - floating_size));
    b.checksum(0, floating_size, 10);
    b.checksum(floating_size, mp_table_size, floating_size + 7);
    return memory.write(config.address, b.data(), mp_table_size);
}

}  // namespace septum::vmm
