#include "septum/lib/format.hpp"

namespace septum {

namespace {

std::size_t unsigned_to(char* buf, std::uint64_t v, unsigned base) {
    char tmp[24];
    std::size_t n = 0;
    do {
        const unsigned digit = static_cast<unsigned>(v % base);
        tmp[n++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
        v /= base;
    } while (v != 0);
    for (std::size_t i = 0; i < n; ++i) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

std::size_t unsigned_or_hex(char* buf, std::uint64_t v, bool hex) {
    if (!hex) {
        return unsigned_to(buf, v, 10);
    }
    buf[0] = '0';
    buf[1] = 'x';
    return 2 + unsigned_to(buf + 2, v, 16);
}

bool is_placeholder(const char* p) {
    return p[0] == '{' && (p[1] == '}' || (p[1] == ':' && p[2] == 'x' && p[3] == '}'));
}

}  // namespace

std::size_t plain_prefix(const char* fmt) {
    std::size_t n = 0;
    while (fmt[n] != '\0' && !is_placeholder(fmt + n)) {
        ++n;
    }
    return n;
}

std::size_t format_one(char* buf, const FormatArg& arg, bool hex) {
    switch (arg.kind) {
        case FormatArg::Kind::boolean:
            buf[0] = arg.b ? '1' : '0';
            return 1;
        case FormatArg::Kind::signed_int: {
            // Negate in unsigned arithmetic: INT64_MIN has no positive twin.
            const auto bits = static_cast<std::uint64_t>(arg.i);
            if (!hex && arg.i < 0) {
                buf[0] = '-';
                return 1 + unsigned_to(buf + 1, 0 - bits, 10);
            }
            return unsigned_or_hex(buf, bits, hex);
        }
        case FormatArg::Kind::unsigned_int:
            return unsigned_or_hex(buf, arg.u, hex);
        case FormatArg::Kind::string:
            break;
    }
    return 0;
}

}  // namespace septum
