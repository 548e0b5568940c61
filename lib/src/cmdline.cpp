#include "septum/lib/cmdline.hpp"

namespace septum::boot {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Length of the key part of a word: up to '=' or the end of the word.
std::size_t key_length(const char* w, std::size_t wlen) {
    std::size_t n = 0;
    while (n < wlen && w[n] != '=') {
        ++n;
    }
    return n;
}

bool key_matches(const char* w, std::size_t klen, const char* key) {
    std::size_t i = 0;
    for (; i < klen; ++i) {
        if (key[i] == '\0' || key[i] != w[i]) {
            return false;
        }
    }
    return key[i] == '\0';
}

}  // namespace

bool OptionValue::equals(const char* s) const {
    if (!present()) {
        return false;
    }
    std::size_t i = 0;
    for (; i < length; ++i) {
        if (s[i] == '\0' || s[i] != text[i]) {
            return false;
        }
    }
    return s[i] == '\0';
}

OptionValue find_option(const char* cmdline, const char* key) {
    OptionValue found;
    const char* p = cmdline;
    while (p != nullptr && *p != '\0') {
        while (is_space(*p)) {
            ++p;
        }
        const char* w = p;
        while (*p != '\0' && !is_space(*p)) {
            ++p;
        }
        const auto wlen = static_cast<std::size_t>(p - w);
        const std::size_t klen = key_length(w, wlen);
        if (wlen > 0 && key_matches(w, klen, key)) {
            const std::size_t vstart = klen < wlen ? klen + 1 : wlen;
            found = OptionValue{w + vstart, wlen - vstart};
        }
    }
    return found;
}

}  // namespace septum::boot
