#!/usr/bin/env python3
"""Checks a Promela model with spin: safety, then its LTL property.

usage: check_spin.py MODEL LTL_NAME

1. safety: every assertion holds and no run ends in an invalid end state
   (a deadlock), over the full state space (pan compiled with -DNOCLAIM);
2. liveness: the LTL property LTL_NAME holds under weak fairness (pan -a -f).

Prints states explored and depth reached for each; fails on any error or an
incomplete search.
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0 and cmd[0] != "./pan":
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def verify(name, cwd, build_flags, run_flags):
    run(["gcc", "-O2", "-w", *build_flags, "-o", "pan", "pan.c"], cwd)
    out = run(["./pan", "-m1000000", *run_flags], cwd)
    errors = re.search(r"errors: (\d+)", out)
    states = re.search(r"(\d+) states, stored", out)
    depth = re.search(r"depth reached (\d+)", out)
    incomplete = "max search depth too small" in out or "Search not completed" in out
    if not errors or not states or not depth:
        print(out)
        return False
    ok = errors.group(1) == "0" and not incomplete
    print(f"{name}: errors {errors.group(1)}, states explored {states.group(1)}, depth reached {depth.group(1)}"
          f"{'' if ok else ' FAILED'}")
    if not ok:
        print(out)
        trail = run(["spin", "-t", "-p", "-g", "model.pml"], cwd)
        print(trail[-6000:])
    return ok


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model, ltl = Path(sys.argv[1]).resolve(), sys.argv[2]
    if shutil.which("spin") is None or shutil.which("gcc") is None:
        sys.exit("spin and gcc are needed (Debian packages spin, gcc; ./septum installs them)")
    with tempfile.TemporaryDirectory(prefix="septum-spin-") as tmp:
        shutil.copy(model, Path(tmp) / "model.pml")
        run(["spin", "-a", "model.pml"], tmp)
        safe = verify(f"{model.stem} safety (assertions, end states)", tmp, ["-DNOCLAIM"], [])
        live = verify(f"{model.stem} liveness ({ltl}, weak fairness)", tmp, [], ["-a", "-f", "-N", ltl])
    return 0 if safe and live else 1


if __name__ == "__main__":
    sys.exit(main())
