// A debug console for servers: text to COM1 through an IOPortRange
// capability (one io_port_out invocation per byte; slow, and simple).
#pragma once

#include "septum/lib/format.hpp"
#include "septum/user/syscall.hpp"

namespace septum::user {

class Console {
public:
    explicit Console(CPtr io_ports) : ports_(io_ports) {}
    void put(const char* s, std::size_t n);

    template <typename... Args>
    void print(const char* fmt, const Args&... args) {
        format_to(*this, fmt, args...);
    }

private:
    CPtr ports_;
};

}  // namespace septum::user
