#!/usr/bin/env python3
"""Runs a libFuzzer binary for a short while as a test.

usage: run_fuzz.py FUZZER SEED_DIR WORK_DIR SECONDS

New inputs go to WORK_DIR (in the build tree), never into the committed
seed corpus; crashes are written there too.
"""
import os
import subprocess
import sys

fuzzer, seeds, work, seconds = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
sys.exit(subprocess.call([fuzzer, work, seeds, f"-max_total_time={seconds}",
                          f"-artifact_prefix={work}/", "-print_final_stats=1"]))
