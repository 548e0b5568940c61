// The root task: builds and runs the cells of the system description, the
// boot module "system" (roottask/cells/run.hpp), and reports in the boot
// test protocol. The in-system tests of the kernel are a root-task program
// of their own (tests/in-system/), built from the same library.
#include "cells/run.hpp"
#include "env.hpp"
#include "program.hpp"
#include "start.hpp"

using namespace septum;
using namespace septum::roottask;

namespace {

void run_system(Env& env) {
    const abi::ModuleDescription* system = find_module(*env.bi, "system");
    if (system == nullptr) {
        env.report->fail("system.description", "no boot module \"system\": nothing to build");
        return;
    }
    cells::run(env, *system);
}

}  // namespace

extern "C" int septum_main(std::uint64_t bootinfo_address) { run_program(bootinfo_address, run_system); }
