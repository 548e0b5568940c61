#!/usr/bin/env python3
"""Mutants of the kernel and capability code, and which theorem catches each.

usage: mutants.py check
       mutants.py run [--keep] [--traces N] [--steps S] [--depth D] [NAME ...]
       mutants.py write NAME INPUT OUTPUT

Each mutant replaces one exact fragment of one source file, a fragment that
must occur exactly once (`check` verifies that for every mutant, so the set
cannot rot silently as the code changes). `run` copies the git-tracked
source tree to a temporary directory, configures a build there, and for each
mutant writes the mutated file into that copy, rebuilds kernel-separation,
runs it with --expect any and reports which theorems it broke. The working
tree is never written. Exit status 0 when every mutant was caught. `write`
writes one mutated source file (for the build's own mutant tests).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# name: (file, what the mutation does, original fragment, mutated fragment)
MUTANTS = {
    "skip-send-right": (
        "kernel/src/syscall.cpp", "sending on an Endpoint needs no write right",
        "Status endpoint_send(Kernel& k, Tcb& t, const caps::Capability& c, bool is_call, bool blocking) {\n"
        "    if (!has(c, Rights::write)) {",
        "Status endpoint_send(Kernel& k, Tcb& t, const caps::Capability& c, bool is_call, bool blocking) {\n"
        "    if (false && !has(c, Rights::write)) {"),
    "skip-map-right": (
        "kernel/src/invoke/frame.cpp", "frame_map does not check the mapping's rights against the capability",
        "if (!caps::is_subset(wanted, frame.rights)) {",
        "if (false && !caps::is_subset(wanted, frame.rights)) {"),
    "mint-keeps-rights": (
        "capabilities/src/authority.cpp", "mint takes the requested rights instead of reducing the source's",
        "derived.rights = src.rights & static_cast<Rights>(raw_rights);",
        "derived.rights = static_cast<Rights>(raw_rights) & meaningful_rights(src.kind);"),
    "uncleared-registers": (
        "kernel/src/fastpath.cpp", "the IPC fast path copies all four message registers, whatever the length",
        "const unsigned length = abi::MessageInfo::decode(info).length;",
        "const unsigned length = abi::register_message_count;"),
    "untyped-off-by-one": (
        "capabilities/src/retype.cpp", "retype lets the last object end one object past the Untyped",
        "if (first_offset > untyped.size() || bytes > untyped.size() - first_offset) {",
        "if (first_offset > untyped.size() || bytes > untyped.size() + align - first_offset) {"),
    "badge-leak": (
        "kernel/src/fastpath.cpp", "a fast-path reply carries the badge of the server's receive capability",
        "copy_registers(server, *client, info, 0);",
        "copy_registers(server, *client, info, slot->cap.badge);"),
    "no-unmap-on-delete": (
        "capabilities/src/authority.cpp", "deleting or revoking a capability leaves its mapping in place",
        "    machine_.capability_deleted(cap);\n    if (final) {",
        "    if (final) {"),
    "grant-without-right": (
        "kernel/src/ipc.cpp", "a capability is transferred through an Endpoint capability without grant",
        "if (can_grant && info.extra_caps > 0) {",
        "if ((can_grant || true) && info.extra_caps > 0) {"),
    "budget-off-by-one": (
        "kernel/src/scheduler.cpp", "a SchedContext is throttled only once its budget is overspent",
        "if (sc.used >= sc.budget && !sc.throttled) {",
        "if (sc.used > sc.budget && !sc.throttled) {"),
    "replenish-early": (
        "kernel/src/scheduler.cpp", "a throttled SchedContext is replenished a cycle before its period ends",
        "if (now < sc.release()) {",
        "if (now + 1 < sc.release()) {"),
    "charge-after-new-period": (
        "kernel/src/scheduler.cpp", "a charge that spans a period boundary starts the new period first and "
        "counts all of it there",
        "        begin_period(sc, now, spent);",
        "        begin_period(sc, now, 0);\n        sc.used += spent;"),
    "fastpath-skips-charge": (
        "kernel/src/scheduler.hpp", "the IPC fast path hands the CPU over without charging the caller's time",
        "        account(now);\n        running_ = &t;",
        "        running_ = &t;"),
    "charge-at-timer-only": (
        "kernel/src/scheduler.cpp", "a switch charges nobody: time is charged at timer events only, to the thread "
        "running then",
        "    // A switch: the time so far is the outgoing thread's.\n    const std::uint64_t now = arch::clock::now();\n"
        "    account(now);",
        "    const std::uint64_t now = arch::clock::now();"),
    "lookup-ignores-guard": (
        "capabilities/src/lookup.cpp", "address lookup skips the guard comparison",
        "if (take_bits(cptr, remaining, node->guard_bits) != node->guard) {",
        "if (false && take_bits(cptr, remaining, node->guard_bits) != node->guard) {"),
    "lost-bound-signal": (
        "kernel/src/ipc.cpp", "a signal leaves the bound thread waiting in its Endpoint receive",
        "if (bound != nullptr && bound->state == ThreadState::blocked_recv) {",
        "if (false && bound != nullptr && bound->state == ThreadState::blocked_recv) {"),
    "stale-notification-word": (
        "kernel/src/ipc.cpp", "wait returns the notification word but does not clear it",
        "        waiter.context.rdi = n.word;\n        n.word = 0;",
        "        waiter.context.rdi = n.word;"),
}

TARGET = "proofs-of-properties/kernel/kernel-separation"


def check() -> int:
    bad = 0
    for name, (path, _, original, _) in MUTANTS.items():
        count = (ROOT / path).read_text(encoding="utf-8").count(original)
        if count != 1:
            print(f"not ok - mutant {name}: fragment found {count} times in {path}, expected once")
            bad += 1
        else:
            print(f"ok - mutant {name} applies to {path}")
    print(f"{len(MUTANTS) - bad} of {len(MUTANTS)} mutants apply")
    return 1 if bad else 0


def write(name: str, source: str, output: str) -> int:
    path, description, original, mutated = MUTANTS[name]
    if not source.endswith(path):
        sys.exit(f"mutant {name} applies to {path}, not {source}")
    text = Path(source).read_text(encoding="utf-8")
    if text.count(original) != 1:
        sys.exit(f"mutant {name}: fragment found {text.count(original)} times in {source}, expected once")
    Path(output).write_text(f"// MUTANT {name} ({description}); generated from {path}\n" +
                            text.replace(original, mutated), encoding="utf-8")
    return 0


def copy_tree(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)


def run(args) -> int:
    names = args.names or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutants: {' '.join(unknown)}; known: {' '.join(MUTANTS)}")
    if check() != 0:
        return 1
    work = Path(tempfile.mkdtemp(prefix="septum-mutants-"))
    src, build = work / "src", work / "build"
    print(f"copying the source tree to {src}")
    copy_tree(src)
    subprocess.run(["meson", "setup", str(build), str(src), "--native-file", str(src / "toolchain/host-clang.ini"),
                    "--cross-file", str(src / "toolchain/x86_64-freestanding.ini")],
                   check=True, capture_output=True)
    try:
        rows, missed = run_all(names, args, src, build)
    finally:
        if not args.keep:
            shutil.rmtree(work)
    print("\n| mutant | change | caught by | first violation found |\n| --- | --- | --- | --- |")
    for name, description, theorems, first in rows:
        print(f"| {name} | {description} | {', '.join(theorems) or '**not caught**'} | {first} |")
    print(f"\n{len(rows) - len(missed)} of {len(rows)} mutants caught")
    return 1 if missed else 0


def run_all(names, args, src: Path, build: Path):
    rows, missed = [], []
    for name in names:
        path, description, original, mutated = MUTANTS[name]
        target = src / path
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace(original, mutated), encoding="utf-8")
        try:
            built = subprocess.run(["ninja", "-C", str(build), TARGET], capture_output=True, text=True)
            if built.returncode != 0:
                print(built.stdout[-3000:])
                raise SystemExit(f"mutant {name} does not build")
            out = subprocess.run([str(build / TARGET), "--traces", str(args.traces), "--steps", str(args.steps),
                                  "--depth", str(args.depth), "--expect", "any"], capture_output=True, text=True)
        finally:
            target.write_text(text, encoding="utf-8")
        caught = re.search(r"^caught by:(.*)$", out.stdout, re.M)
        theorems = caught.group(1).split() if caught else []
        theorems = [t for t in theorems if t != "nothing"]
        first = re.search(r"^VIOLATION of (\S+): (.*)$", out.stdout, re.M)
        rows.append((name, description, theorems, first.group(2)[:110] if first else ""))
        print(f"{name}: {', '.join(theorems) or 'NOT CAUGHT'}", flush=True)
        if not theorems:
            missed.append(name)
    return rows, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check")
    r = sub.add_parser("run")
    r.add_argument("--keep", action="store_true", help="keep the temporary tree and build")
    r.add_argument("--traces", type=int, default=600)
    r.add_argument("--steps", type=int, default=80)
    r.add_argument("--depth", type=int, default=3)
    r.add_argument("names", nargs="*")
    w = sub.add_parser("write")
    w.add_argument("name", choices=list(MUTANTS))
    w.add_argument("input")
    w.add_argument("output")
    args = parser.parse_args()
    if args.command == "write":
        return write(args.name, args.input, args.output)
    return check() if args.command == "check" else run(args)


if __name__ == "__main__":
    sys.exit(main())
