// Where guest console output goes: the UART's transmitter and the console
// hypercall. A Sink in the sense of septum/lib/format.hpp, so the same
// object can take formatted VMM messages.
#pragma once

#include <cstddef>

namespace septum::vmm {

class Console {
public:
    virtual void put(const char* bytes, std::size_t length) = 0;

protected:
    Console() = default;
    Console(const Console&) = default;
    Console& operator=(const Console&) = default;
    ~Console() = default;  // never deleted through this interface: no heap
};

}  // namespace septum::vmm
