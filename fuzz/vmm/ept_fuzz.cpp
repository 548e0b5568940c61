// libFuzzer entry of the ept exit fuzzer (families.hpp, harness.hpp).
#include "families.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return septum::fuzz::run(data, size, septum::fuzz::families::ept);
}
