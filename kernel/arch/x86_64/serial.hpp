// The boot console: a 16550 UART at COM1, polled.
#pragma once

namespace septum::arch::serial {

void init();
void put(char c);

}  // namespace septum::arch::serial
