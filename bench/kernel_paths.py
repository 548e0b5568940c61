#!/usr/bin/env python3
"""Instructions per null syscall, per IPC round trip and per object invocation
(SchedContext configure) in the kernel core,
counted by callgrind over bench/kernel_paths.cpp (host build, simulated
machine). usage: kernel_paths.py KERNEL_PATHS_BINARY"""
import re
import subprocess
import sys
import tempfile

ITERATIONS = 1000


def instructions(binary: str, which: str) -> int:
    """Instructions inside Kernel::handle_syscall over the run."""
    with tempfile.NamedTemporaryFile(suffix=".out") as out:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
                        "--toggle-collect=*Kernel::handle_syscall*", binary, which],
                       check=True, capture_output=True)
        report = subprocess.run(["callgrind_annotate", out.name], check=True, capture_output=True, text=True)
    m = re.search(r"^\s*([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", report.stdout, re.M)
    if not m:
        m = re.search(r"^\s*([\d,]+)\s+PROGRAM TOTALS", report.stdout, re.M)
    return int(m.group(1).replace(",", ""))


def main() -> int:
    binary = sys.argv[1]
    null = instructions(binary, "null") / ITERATIONS
    ipc = instructions(binary, "ipc") / ITERATIONS
    invocation = instructions(binary, "v") / ITERATIONS
    print(f"null syscall (yield), kernel core only: {null:.0f} instructions")
    print(f"IPC round trip (Call + ReplyRecv), kernel core only: {ipc:.0f} instructions, {ipc / 2:.0f} one-way")
    print(f"object invocation (SchedContext configure, general path), kernel core only: {invocation:.0f} instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
