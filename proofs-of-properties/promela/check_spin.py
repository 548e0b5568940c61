#!/usr/bin/env python3
"""Checks a Promela model with spin: safety, then its LTL property.

usage: check_spin.py MODEL LTL_NAME [--mutant MACRO]

1. safety: every assertion holds and no run ends in an invalid end state
   (a deadlock), over the full state space (pan compiled with -DNOCLAIM);
2. liveness: the LTL property LTL_NAME holds under weak fairness (pan -a -f).

Prints states explored and depth reached for each; fails on any error or an
incomplete search. With --mutant the model is built with MACRO defined (a
deliberately broken protocol) and the check passes only if one of the two
searches finds an error.
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


def verify(name, cwd, build_flags, run_flags, quiet=False):
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
    if not ok and not quiet:
        print(out)
        trail = run(["spin", "-t", "-p", "-g", "model.pml"], cwd)
        print(trail[-6000:])
    return ok


def main() -> int:
    args = sys.argv[1:]
    mutant = None
    if len(args) == 4 and args[2] == "--mutant":
        mutant = args[3]
        args = args[:2]
    if len(args) != 2:
        sys.exit(__doc__)
    model, ltl = Path(args[0]).resolve(), args[1]
    if shutil.which("spin") is None or shutil.which("gcc") is None:
        sys.exit("spin and gcc are needed (Debian packages spin, gcc; ./septum installs them)")
    with tempfile.TemporaryDirectory(prefix="septum-spin-") as tmp:
        shutil.copy(model, Path(tmp) / "model.pml")
        run(["spin", *([f"-D{mutant}"] if mutant else []), "-a", "model.pml"], tmp)
        name = model.stem + (f" with {mutant}" if mutant else "")
        safe = verify(f"{name} safety (assertions, end states)", tmp, ["-DNOCLAIM"], [], quiet=bool(mutant))
        live = verify(f"{name} liveness ({ltl}, weak fairness)", tmp, [], ["-a", "-f", "-N", ltl],
                      quiet=bool(mutant))
    if mutant:
        caught = not (safe and live)
        print(f"mutant {mutant}: {'caught' if caught else 'NOT CAUGHT'}")
        return 0 if caught else 1
    return 0 if safe and live else 1


if __name__ == "__main__":
    sys.exit(main())
