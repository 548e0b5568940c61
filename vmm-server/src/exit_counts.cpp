#include <septum/vmm/exit_counts.hpp>

namespace septum::vmm {

namespace {

// Collects a line and hands it to the console whole (one put, one
// signal to the reader, not one per piece). The VMM's freestanding world
// has lib/format.hpp but the host build of vmm-server does not link it.
class LineBuffer {
public:
    LineBuffer& operator<<(const char* text) {
        while (*text != '\0' && used_ < sizeof buffer_) {
            buffer_[used_++] = *text++;
        }
        return *this;
    }
    LineBuffer& operator<<(std::uint64_t value) {
        char digits[20];
        std::size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        while (n > 0 && used_ < sizeof buffer_) {
            buffer_[used_++] = digits[--n];
        }
        return *this;
    }
    void flush(Console& console) {
        console.put(buffer_, used_);
        used_ = 0;
    }

private:
    char buffer_[96] = {};
    std::size_t used_ = 0;
};

}  // namespace

std::uint64_t ExitCounts::total() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t c : counts_) {
        // cppcheck-suppress useStlAlgorithm ; the freestanding build has no <numeric>
        sum += c;
    }
    return sum;
}

const char* ExitCounts::name(std::size_t bucket) {
    switch (bucket) {
#define SEPTUM_EXIT_COUNT_NAME(name, number, description) \
    case number:                                          \
        return #name;
        SEPTUM_VMX_EXIT_REASONS(SEPTUM_EXIT_COUNT_NAME)
#undef SEPTUM_EXIT_COUNT_NAME
        case unknown:
            return "unknown";
        case signal:
            return "signal";
        case deadline:
            return "deadline";
        default:
            return nullptr;
    }
}

void ExitCounts::write(Console& console, const char* tag) const {
    const char* space = tag[0] != '\0' ? " " : "";
    LineBuffer line;
    for (std::size_t b = 0; b < buckets; ++b) {
        if (counts_[b] == 0) {
            continue;
        }
        line << "vmm: exits" << space << tag << " ";
        if (const char* n = name(b); n != nullptr) {
            line << n;
        } else {
            line << "reason-" << std::uint64_t{b};
        }
        line << " " << counts_[b] << "\n";
        line.flush(console);
    }
    line << "vmm: exits" << space << tag << " total " << total() << "\n";
    line.flush(console);
}

}  // namespace septum::vmm
