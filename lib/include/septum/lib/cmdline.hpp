// Command-line options (the kernel's, and each boot module's for the root
// task): whitespace-separated "key=value" words.
#pragma once

#include <cstddef>

namespace septum::boot {

struct OptionValue {
    const char* text = nullptr;  // not NUL-terminated at length
    std::size_t length = 0;

    bool present() const { return text != nullptr; }
    bool equals(const char* s) const;
};

// The value of the last "key=value" word for key; a bare "key" has an empty
// value. Absent: present() is false.
OptionValue find_option(const char* cmdline, const char* key);

}  // namespace septum::boot
