// The exit families, one fuzzer each (fuzz/meson.build), and the builders
// that make their exits: mostly the values a processor would report, with
// registers and instruction bytes that reach the handlers' interesting
// paths, and rarely anything at all.
#pragma once

#include "builders.hpp"
#include "harness.hpp"

namespace septum::fuzz::families {

extern const Family cpuid;
extern const Family msr;
extern const Family io;
extern const Family ept;
extern const Family cr;
extern const Family xsetbv;
extern const Family exception;
extern const Family interrupt_window;
extern const Family vmcall;
extern const Family reset;
extern const Family dispatch;

}  // namespace septum::fuzz::families
