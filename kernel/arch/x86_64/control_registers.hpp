// CR0 and CR4 bits, named once in abi/x86.hpp (shared with the VMM). No
// instructions here: portable code (vmx/entry_checks.cpp) includes it on the
// host too.
#pragma once

#include "septum/abi/x86.hpp"

namespace septum::arch {

namespace cr0 = abi::x86::cr0;
namespace cr4 = abi::x86::cr4;

}  // namespace septum::arch
