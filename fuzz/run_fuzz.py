#!/usr/bin/env python3
"""Runs a libFuzzer binary as a test: every seed replayed, then a few
seconds of fuzzing.

usage: run_fuzz.py FUZZER WORK_DIR SECONDS SEED_DIR...

New inputs go to WORK_DIR (in the build tree), never into the committed
seed corpus; a crash is written there too, and the line that replays it is
printed.
"""
import glob
import os
import subprocess
import sys

fuzzer, work, seconds, *seeds = sys.argv[1:]
os.makedirs(work, exist_ok=True)
seeds = [s for s in seeds if os.path.isdir(s)]
status = subprocess.call([fuzzer, work, *seeds, f"-max_total_time={seconds}", "-timeout=10",
                          f"-artifact_prefix={work}/", "-print_final_stats=1"])
# libFuzzer ends a crashed run with status 77, which meson reads as "skip":
# any failure is a plain 1 here.
for crash in sorted(glob.glob(os.path.join(work, "crash-*")) + glob.glob(os.path.join(work, "timeout-*"))
                    + glob.glob(os.path.join(work, "oom-*")) + glob.glob(os.path.join(work, "leak-*"))):
    print(f"replay with: {fuzzer} {crash}")
sys.exit(0 if status == 0 else 1)
