// memcpy, memmove, memset and memcmp: GCC may emit calls to them even in
// -ffreestanding code (its documented requirement). memchr, strncpy,
// strlen and strncmp serve the boot code and the user runtime. Built with -fno-tree-loop-distribute-patterns so the
// loops below are not turned back into calls to themselves.
#include <cstddef>
#include <cstdint>

namespace {

// From this size on, a copy or fill is a string instruction of quadwords
// (and one of bytes for the rest): a cell's guest RAM, cleared at retype
// and at a reset, is hundreds of MiB, which took 4 instructions a byte as
// a loop; Bochs (Debian's, without repeat speedups) takes one step per
// iteration, so quadwords clear 256 MiB eight times as fast as bytes.
// Smaller ones keep the loop, whose instruction counts the path-length
// benchmarks include. Every entry to the kernel clears DF (boot.S, isr.S,
// user_entry.S), as the ABI has it for user code.
constexpr std::size_t string_instruction_from = 4096;

void fill(unsigned char* d, unsigned char c, std::size_t n) {
    std::size_t quads = n / 8, rest = n % 8;
    const std::uint64_t pattern = 0x0101010101010101 * c;
    asm volatile("rep stosq" : "+D"(d), "+c"(quads) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(d), "+c"(rest) : "a"(pattern) : "memory");
}

void copy(unsigned char* d, const unsigned char* s, std::size_t n) {
    std::size_t quads = n / 8, rest = n % 8;
    asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(quads) : : "memory");
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(rest) : : "memory");
}

}  // namespace

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (n >= string_instruction_from) {
        copy(d, s, n);
        return dst;
    }
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = s[i];
    }
    return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d < s) {
        return memcpy(dst, src, n);
    }
    for (std::size_t i = n; i > 0; --i) {
        d[i - 1] = s[i - 1];
    }
    return dst;
}

void* memset(void* dst, int c, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    if (n >= string_instruction_from) {
        fill(d, static_cast<unsigned char>(c), n);
        return dst;
    }
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = static_cast<unsigned char>(c);
    }
    return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

void* memchr(const void* s, int c, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(s);
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == static_cast<unsigned char>(c)) {
            return const_cast<unsigned char*>(p + i);
        }
    }
    return nullptr;
}

char* strncpy(char* dst, const char* src, std::size_t n) {
    std::size_t i = 0;
    for (; i < n && src[i] != '\0'; ++i) {
        dst[i] = src[i];
    }
    for (; i < n; ++i) {
        dst[i] = '\0';
    }
    return dst;
}

std::size_t strlen(const char* s) {
    std::size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

int strncmp(const char* a, const char* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x != y || x == '\0') {
            return x < y ? -1 : (x > y ? 1 : 0);
        }
    }
    return 0;
}

}  // extern "C"
