#!/usr/bin/env python3
"""Which basic exit reasons the exit corpora reach, from a coverage run.

usage: exit_reasons.py COVERAGE_BINARY PROFDATA

Reads the region counts of vmm-server/src/exit.cpp (llvm-cov export) and, for
each reason of the table in abi/include/septum/abi/vmx_exit.hpp, the count
of its `case` label in the dispatch (consecutive labels share a body, and
each label's count includes those before it, so the difference is its
own). Prints a Markdown table; the last row is every reason the table does
not know, which reaches the switch's default.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def exit_lines(binary, profdata):
    """(count, source) for each line of exit.cpp: the exact count of the
    first region that starts on the line (llvm-cov export), else 0."""
    out = subprocess.run(["llvm-cov", "export", "-format=text", binary, f"-instr-profile={profdata}"],
                         capture_output=True, text=True, check=True).stdout
    path = str(ROOT / "vmm-server/src/exit.cpp")
    counts = {}
    for f in json.loads(out)["data"][0]["files"]:
        if os.path.realpath(f["filename"]) == path:
            for line, _col, n, has_count, region_entry, *_ in f["segments"]:
                if has_count and region_entry and line not in counts:
                    counts[line] = n
    for number, source in enumerate(Path(path).read_text().splitlines(), start=1):
        yield counts.get(number, 0), source.strip()


def main():
    binary, profdata = sys.argv[1:3]
    table = (ROOT / "abi/include/septum/abi/vmx_exit.hpp").read_text()
    reasons = [(int(n), name, desc) for name, n, desc in re.findall(r'X\((\w+), (\d+), "([^"]*)"\)', table)]
    reached, unknown = {}, 0
    previous = None
    for n, source in exit_lines(binary, profdata):
        m = re.match(r"case VmxExit::(\w+):", source)
        if m:
            reached[m.group(1)] = n - (previous or 0)
            previous = n
        elif not source.startswith("//"):
            previous = None
        if "StopReason::unknown_exit, basic" in source:
            unknown = n
    print("| reason | name | exits dispatched in the replay |")
    print("| ---: | --- | ---: |")
    covered = 0
    for number, name, desc in reasons:
        n = reached.get(name, 0)
        covered += n > 0
        print(f"| {number} | {desc} | {n if n else '**none**'} |")
    print(f"| other | any reason the table does not know | {unknown if unknown else '**none**'} |")
    print(f"\n{covered} of the {len(reasons)} known basic reasons reached; unknown reasons "
          f"{'reached' if unknown else 'not reached'}.")


if __name__ == "__main__":
    main()
