// libFuzzer entry of the PVH loader's fuzzer (linux_loaders.hpp).
#include "linux_loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return septum::fuzz::run_linux(data, size, septum::fuzz::LinuxBoot::pvh);
}
