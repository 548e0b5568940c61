#include <septum/vmm/exit.hpp>
#include <septum/vmm/record.hpp>

namespace septum::vmm {

namespace {

// Hex-encodes into a small buffer and flushes it to the console in pieces,
// so that a record needs no buffer of its own size.
class HexLine {
public:
    explicit HexLine(Console& console) : console_{console} {}

    void bytes(const void* data, std::size_t length) {
        constexpr char digits[] = "0123456789abcdef";
        const auto* p = static_cast<const std::uint8_t*>(data);
        for (std::size_t i = 0; i < length; ++i) {
            put(digits[p[i] >> 4]);
            put(digits[p[i] & 0xf]);
        }
    }
    void end() {
        put('\n');
        flush();
    }

private:
    void put(char c) {
        if (used_ == sizeof buffer_) {
            flush();
        }
        buffer_[used_++] = c;
    }
    void flush() {
        console_.put(buffer_, used_);
        used_ = 0;
    }

    Console& console_;
    char buffer_[128] = {};
    std::size_t used_ = 0;
};

}  // namespace

void ExitRecord::begin(const abi::VcpuState& state, const abi::ExitInfo& exit) {
    state_ = state;
    exit_ = exit;
    count_ = 0;
}

void ExitRecord::add_read(std::uint64_t gpa, const void* bytes, std::size_t length) {
    const auto* p = static_cast<const std::uint8_t*>(bytes);
    while (length > 0 && count_ < max_reads) {
        Read& r = reads_[count_++];
        const std::size_t n = length < max_read_length ? length : max_read_length;
        r.gpa = gpa;
        r.length = static_cast<std::uint8_t>(n);
        for (std::size_t i = 0; i < n; ++i) {
            r.bytes[i] = p[i];
        }
        gpa += n, p += n, length -= n;
    }
}

void ExitRecord::write(Console& console) const {
    console.put(record_prefix, sizeof record_prefix - 1);
    HexLine line{console};
    line.bytes(&record_version, 1);
    constexpr std::uint8_t sizes[4] = {sizeof(abi::VcpuState) & 0xff, sizeof(abi::VcpuState) >> 8,
                                       sizeof(abi::ExitInfo) & 0xff, sizeof(abi::ExitInfo) >> 8};
    line.bytes(sizes, sizeof sizes);
    line.bytes(&state_, sizeof state_);
    line.bytes(&exit_, sizeof exit_);
    const auto count = static_cast<std::uint8_t>(count_);
    line.bytes(&count, 1);
    for (std::size_t i = 0; i < count_; ++i) {
        line.bytes(&reads_[i].gpa, sizeof reads_[i].gpa);
        line.bytes(&reads_[i].length, 1);
        line.bytes(reads_[i].bytes, reads_[i].length);
    }
    line.end();
}

Status RecordingGuestMemory::read(std::uint64_t gpa, void* out, std::size_t length) const {
    const Status status = memory_.read(gpa, out, length);
    if (status == Status::ok) {
        record_.add_read(gpa, out, length);
    }
    return status;
}

Outcome ExitRecorder::handle_exit(Guest& guest, Vcpu& vcpu, GuestMemory& memory) {
    if (!on_) {
        return vmm::handle_exit(guest, vcpu, memory);
    }
    // The whole state, not only what the exit brought: a replay has no
    // kernel to fetch the rest from. (If the fetch fails, the record holds
    // the older parts, and the handlers fetch as they would have.)
    (void)vcpu.fetch(abi::vcpu_state::all);
    record_.begin(vcpu.state(), vcpu.exit());  // before the handlers change them
    RecordingGuestMemory recording{memory, record_};
    const Outcome outcome = vmm::handle_exit(guest, vcpu, recording);
    record_.write(console_);
    return outcome;
}

}  // namespace septum::vmm
