#!/usr/bin/env python3
"""figures.py BUILD_DIR: the separation checkers' figures from the last test run.

Prints, from meson's testlog.json, what kernel-separation and
exit-protocol-spin reported for each theorem: traces run, states explored,
depth reached. ./septum test shows it before its closing line.
"""
import json
import re
import sys
from pathlib import Path

TESTS = ("kernel-separation", "exit-protocol-spin")
FIGURE = re.compile(r"^(random|scenario|exhaustive) .*traces|^exit_protocol |^separation:|^time ")


def main(build: Path) -> int:
    log = build / "meson-logs" / "testlog.json"
    if not log.exists():
        return 0
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("name", "").split(" / ")[-1] not in TESTS:
            continue
        print(f"septum: {entry['name']} ({entry['result']}):")
        for out in entry.get("stdout", "").splitlines():
            if FIGURE.search(out):
                print(f"  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
