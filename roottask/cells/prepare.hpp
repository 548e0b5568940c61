// What the root task does with a sound description before it builds any
// cell: finds every module each cell names, works out what each cell needs
// (description/need.hpp), decides whether the machine has it
// (description/fit.hpp) and cuts every cell's Untyped in the plan's order.
// A description the machine cannot build is refused whole, saying what is
// needed and what there is, and nothing is built.
#pragma once

#include "cells/cell.hpp"
#include "env.hpp"
#include "septum/abi/system_description.hpp"

namespace septum::roottask::cells {

// Fills specs[i] for each cell (with its Untyped cut), reporting
// system.modules and system.memory; false if any cell cannot be built.
bool prepare(Env& env, const abi::SystemDescription& d, CellSpec* specs);

}  // namespace septum::roottask::cells
