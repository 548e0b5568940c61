// The kernel's boot checks report on the console (test_protocol.hpp).
#pragma once

#include "console.hpp"
#include "septum/lib/test_protocol.hpp"

namespace septum {

class TestReport : public TestProtocol<console::Out> {
public:
    TestReport() : TestProtocol<console::Out>(console_out_) {}

private:
    static inline console::Out console_out_;
};

}  // namespace septum
