// The root task's product: build every cell of the system description
// (the boot module "system"), each from an Untyped of its own, start them
// and then serve their consoles, one line at a time behind each cell's
// name, until every cell has ended.
#pragma once

#include "env.hpp"

namespace septum::roottask::cells {

// Reports the description's check, each cell's construction and each
// cell's end in the test protocol (suite "system"); console lines are
// free text "[name] ...".
void run(Env& env, const abi::ModuleDescription& description);

}  // namespace septum::roottask::cells
