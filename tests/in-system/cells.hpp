// Helpers of the tests that run cells (cell.cpp, shares.cpp): finding the
// boot modules, a cell's spec, one cell run on its own, and what its
// console and report said.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "cells/cell.hpp"
#include "cells/monitor.hpp"
#include "env.hpp"

namespace septum::roottask {

// The kept console bytes are exactly `text`.
bool kept_equals(const CellWatch& w, const char* text);

// The VMM reported `label` with word 0 `code`.
bool reported(const CellWatch& w, abi::CellReport label, std::uint64_t code);

// The kept console bytes as one printable line, for a check's message.
struct Shown {
    char text[CellWatch::kept_size + 1] = {};
    explicit Shown(const CellWatch& w);
};

// Finds the modules a test needs; reports the check failed if one is missing.
bool find_modules(Env& env, const char* name, std::initializer_list<const char*> names,
                  const abi::ModuleDescription** out);

CellSpec spec_of(const char* name, const abi::ModuleDescription* vmm, const abi::ModuleDescription* image);

// One cell on its own, built and run until its VMM reports.
struct Solo {
    CellLink link;
    Cell cell;
    CellWatch watch;
};

Status run_alone(Env& env, const CellSpec& spec, Solo& r, unsigned index = 0);

}  // namespace septum::roottask
