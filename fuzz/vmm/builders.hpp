// The exit builders of families.hpp, also used by the dispatch fuzzer.
#pragma once

#include <septum/abi/vcpu.hpp>

#include "machine.hpp"
#include "source.hpp"

namespace septum::fuzz {

void build_cpuid(Source& source, Machine& m, abi::ExitInfo& exit);
void build_msr(Source& source, Machine& m, abi::ExitInfo& exit);
void build_io(Source& source, Machine& m, abi::ExitInfo& exit);
void build_ept(Source& source, Machine& m, abi::ExitInfo& exit);
void build_cr(Source& source, Machine& m, abi::ExitInfo& exit);
void build_xsetbv(Source& source, Machine& m, abi::ExitInfo& exit);
void build_exception(Source& source, Machine& m, abi::ExitInfo& exit);
void build_interrupt_window(Source& source, Machine& m, abi::ExitInfo& exit);
void build_vmcall(Source& source, Machine& m, abi::ExitInfo& exit);
void build_reset(Source& source, Machine& m, abi::ExitInfo& exit);

}  // namespace septum::fuzz
