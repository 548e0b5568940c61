// A small, type-safe formatter for kernel and user-space output, in the
// spirit of fmt: "{}" prints an integer in decimal or a string, "{:x}" an
// integer in hex with a 0x prefix. No allocation; output goes to a sink one chunk at a time.
// A placeholder without an argument prints "{?}", an argument without a
// placeholder is ignored, so a wrong format string never reads out of bounds.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace septum {

// Anything with put(const char*, std::size_t).
template <typename S>
concept Sink = requires(S& s, const char* p, std::size_t n) {
    s.put(p, n);
};

struct FormatArg {
    enum class Kind : std::uint8_t { signed_int, unsigned_int, string, boolean };
    Kind kind;
    union {
        std::int64_t i;
        std::uint64_t u;
        const char* s;
        bool b;
    };

    explicit FormatArg(const char* v) : kind(Kind::string), s(v) {}
    explicit FormatArg(bool v) : kind(Kind::boolean), b(v) {}
    template <std::signed_integral T>
    explicit FormatArg(T v) : kind(Kind::signed_int), i(v) {}
    template <std::unsigned_integral T>
    explicit FormatArg(T v) : kind(Kind::unsigned_int), u(v) {}
    template <typename T>
    explicit FormatArg(T* v) : kind(Kind::unsigned_int), u(reinterpret_cast<std::uintptr_t>(v)) {}
};

// Writes one argument with the given spec ("" or "x") into buf; returns the
// length. buf must hold at least 24 bytes.
std::size_t format_one(char* buf, const FormatArg& arg, bool hex);

// Length of the longest prefix of fmt that is plain text.
std::size_t plain_prefix(const char* fmt);

template <Sink S>
void vformat_to(S& sink, const char* fmt, const FormatArg* args, std::size_t nargs) {
    std::size_t next = 0;
    while (*fmt != '\0') {
        std::size_t n = plain_prefix(fmt);
        if (n > 0) {
            sink.put(fmt, n);
            fmt += n;
            continue;
        }
        // fmt points at "{}" or "{:x}" (plain_prefix stops only there).
        const bool hex = fmt[1] == ':';
        fmt += hex ? 4 : 2;
        if (next >= nargs) {
            sink.put("{?}", 3);
            continue;
        }
        const FormatArg& arg = args[next++];
        if (arg.kind == FormatArg::Kind::string) {
            const char* s = arg.s != nullptr ? arg.s : "(null)";
            std::size_t len = 0;
            while (s[len] != '\0') {
                ++len;
            }
            sink.put(s, len);
            continue;
        }
        char buf[24];
        sink.put(buf, format_one(buf, arg, hex));
    }
}

template <Sink S, typename... Args>
void format_to(S& sink, const char* fmt, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vformat_to(sink, fmt, nullptr, 0);
    } else {
        const FormatArg list[] = {FormatArg(args)...};
        vformat_to(sink, fmt, list, sizeof...(Args));
    }
}

}  // namespace septum
