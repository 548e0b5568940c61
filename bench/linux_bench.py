#!/usr/bin/env python3
"""The Linux-tenant figures of `./septum bench` (issue 19), from two Bochs
runs with `clock: sync=none` at 50M ips, where the TSC advances by one per
executed instruction (or per instruction time the CPU spends halted), so
that TSC deltas are repeatable instruction counts.

Run 1, the tenant (bench/linux/tenant.toml, typed into as
bench/linux/tenant.txt says): Debian's kernel in a cell alone, its VMM in
bench mode (vmm-server/program/bench.hpp), which stamps each console line
with the TSC at which its first byte was written ("@TSC "), says when it
first entered the guest, reports every pause of its cell off the CPU and
writes its exit counts by reason on request.

  (1) Boot: instructions from the first guest instruction to the first byte
      of the kernel's `Run /init as init process` line, host and guest
      together (kernel, VMM, root task, guest; halted time of the guest
      counts, as it does for KVM), less the pauses in which the cell's
      budget was spent and nothing else ran (the description leaves the
      console monitor a tenth of the CPU, so a tenant's budget is at most
      90%; the VMM's loading of the kernel spends the first period's
      budget too). The start is read just before the first run call; the
      end stamp is taken by the VMM at the UART exit that brings the
      line's first byte, after the kernel formatted it. In bench mode a
      running guest's run lasts at most 20 ms of TSC, so a gap over 200
      ms between two returns of the run call is a pause and nothing
      else; each pause counted holds at most 20 ms (1e6) of the guest's
      own work, and the slices add a deadline return per 20 ms of work
      (about 0.15%). Together: within about 0.3%; two runs agreed to
      0.2%. Also printed: the longest spans between two console lines
      (where the boot's time goes) and the exits by reason up to the
      shell (a write to the bench port as the first command).
  (2) Idle: exits by reason over 30 s of guest time asleep, divided by the
      guest's local timer interrupts (LOC in /proc/interrupts) in the same
      span: two writes to the bench port around `sleep 30`. VM exits are
      all returns but the VMM's own wake-ups (deadline, signal), which
      are counted apart.
  (4) Memory: the hypervisor's memory for the cell, as the root task
      prints it (system.cell.tenant).

Run 2, bare: the same bzImage and initramfs booted by GRUB on Bochs' PC
with the tenant's command line and 256 MiB of RAM
(bench/linux/mkiso-bare, bench/linux/bare.txt).

  (3) Compute: the same loop in both (a busybox awk loop, run three
      times), between two lines written to /dev/kmsg, so that each has a
      printk time stamp and, in the tenant, the VMM's TSC stamp. The span
      is taken in TSC ticks in both: in the tenant from the VMM's stamps
      (its guest's own clock is not fit: the clocksource watchdog marks
      its TSC unstable and it falls back to jiffies), bare from the
      printk times and the TSC rate the bare kernel uses (Bochs' CPUID
      says 3.5 GHz: `tsc: Detected 3499.912 MHz TSC`, while the TSC runs
      at 50M ips; the factor cancels, as the kernel converts back with
      the same rate). The tenant's TSC runs on while its cell is off the
      CPU, so no pause may fall among the loops (the run fails if one
      does). The figure is bare ticks / tenant ticks, best run of each.

Prints one `bench.linux.*` line per figure and exits non-zero when a figure
could not be measured.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINUX = HERE / "linux"
LOOP_STEP = re.compile(r"for i in 1 2 3; do .*?; done")
STAMP = re.compile(r"^\[tenant\] @(\d+) (.*)$")
# A mark of the loop: a printk line, stamped by the VMM in the tenant (the
# stamp is the line's, so the line must begin there); bare, the printk
# time alone counts, wherever the line begins.
LOOP_MARK = {True: re.compile(r"^\[tenant\] @(\d+) \[\s*(\d+)\.(\d{6})\] bench-loop-(start|end) (\d)$", re.M),
             False: re.compile(r"()\[\s*(\d+)\.(\d{6})\] bench-loop-(start|end) (\d)$", re.M)}
TSC_RATE = re.compile(r"tsc: (?:Detected|Refined TSC clocksource calibration:) (\d+)\.(\d{3}) MHz")
EXITS = re.compile(r"^vmm: exits (\S+) (\S+) (\d+)$")
LOC = re.compile(r"^LOC:\s+(\d+)")
MEMORY = re.compile(r"PASS system\.cell\.tenant: .*?(\d+) KiB for the hypervisor")


class BenchError(Exception):
    pass


def run_bochs(runner: Path, iso: Path, script: Path, deadline: int, keep: Path | None,
              memory: int | None = None) -> str:
    """Runs one image with an input script; returns the console text (and
    keeps it in `keep`, when given, under the image's name)."""
    with tempfile.TemporaryDirectory(prefix="septum-linux-bench-") as work:
        cmd = [sys.executable, str(runner), "--emulator", "bochs", "--iso", str(iso), "--input-script", str(script),
               "--deadline", str(deadline), "--keep", work]
        if memory is not None:
            cmd += ["--memory", str(memory)]
        # The verdict is not the bench's: a bare Linux speaks no test protocol.
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        com1 = Path(work) / "com1.txt"
        if not com1.exists():
            raise BenchError(f"{iso.name}: no console")
        text = com1.read_text(errors="replace").replace("\r", "")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{iso.stem}.console.txt").write_text(text)
        return text


def stamped(console: str) -> list[tuple[int, str]]:
    return [(int(m.group(1)), m.group(2)) for m in map(STAMP.match, console.splitlines()) if m]


def find(lines: list[tuple[int, str]], pattern: str) -> tuple[int, re.Match]:
    for tsc, text in lines:
        if (m := re.search(pattern, text)) is not None:
            return tsc, m
    raise BenchError(f"no console line matches {pattern!r}")


def pauses(lines: list[tuple[int, str]]) -> list[tuple[int, int]]:
    """(ticks, ending TSC) of each pause off the CPU the VMM reported."""
    out = []
    for _, text in lines:
        if (m := re.match(r"vmm: bench: off the CPU for (\d+) ticks before TSC (\d+)", text)) is not None:
            out.append((int(m.group(1)), int(m.group(2))))
    return out


def boot_phases(lines: list[tuple[int, str]]) -> None:
    """The longest spans between two console lines of the boot: where its
    time goes (the guest prints nothing while it works through them)."""
    _, entered = find(lines, r"^vmm: bench: guest entered at TSC (\d+)")
    end, _ = find(lines, r"Run /init as init process")
    marks = [(int(entered.group(1)), "the first entry")]
    marks += [(tsc, text) for tsc, text in lines if marks[0][0] < tsc <= end and not text.startswith("vmm: bench")]
    spans = sorted(((b[0] - a[0], a[1], b[1]) for a, b in zip(marks, marks[1:])), reverse=True)[:6]
    print("bench.linux.boot-phases: the longest spans without a console line: " +
          "; ".join(f"{ticks:.3g} before '{after[:60]}'" for ticks, _, after in spans))


def boot_exits(lines: list[tuple[int, str]]) -> None:
    counts = exits_at(lines, "port-0")
    by_reason = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if k != "total")
    print(f"bench.linux.boot-exits: {counts['total']} run returns from the first entry to the shell: {by_reason}")


def boot_figure(lines: list[tuple[int, str]]) -> None:
    _, entered = find(lines, r"^vmm: bench: guest entered at TSC (\d+)")
    start = int(entered.group(1))
    end, _ = find(lines, r"Run /init as init process")
    off = [ticks for ticks, at in pauses(lines) if start < at <= end]
    print(f"bench.linux.boot-to-init: {end - start - sum(off):.4g} instructions from the first guest instruction to "
          f"'Run /init' (TSC {start} to {end}: {end - start:.4g}, less {len(off)} pauses off the CPU of "
          f"{', '.join(f'{t:.3g}' for t in off) or 'none'}; KVM 1.40e9, target fewer)")


def exits_at(lines: list[tuple[int, str]], tag: str) -> dict[str, int]:
    counts = {}
    for _, text in lines:
        if (m := EXITS.match(text)) is not None and m.group(1) == tag:
            counts[m.group(2)] = int(m.group(3))
    if "total" not in counts:
        raise BenchError(f"no exit counts tagged {tag}")
    return counts


def exits_between(lines: list[tuple[int, str]], first: str, second: str) -> dict[str, int]:
    before, after = exits_at(lines, first), exits_at(lines, second)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return {k: v for k, v in delta.items() if v != 0}


def loop_exits(lines: list[tuple[int, str]]) -> None:
    delta = exits_between(lines, "port-3", "port-4")
    by_reason = ", ".join(f"{k} {v}" for k, v in sorted(delta.items(), key=lambda kv: -kv[1]) if k != "total")
    print(f"bench.linux.loop-exits: {delta.get('total', 0)} run returns while the tenant ran the loops: {by_reason}")


def idle_figure(lines: list[tuple[int, str]]) -> None:
    locs = [int(m.group(1)) for _, text in lines if (m := LOC.match(text)) is not None]
    if len(locs) != 2:
        raise BenchError(f"expected two LOC lines, found {len(locs)}")
    interrupts = locs[1] - locs[0]
    delta = exits_between(lines, "port-1", "port-2")
    if interrupts <= 0:
        raise BenchError("no timer interrupts while idle")
    exits = delta.get("total", 0) - delta.get("signal", 0) - delta.get("deadline", 0)
    returns = delta.get("total", 0)
    by_reason = ", ".join(f"{k} {v / interrupts:.2f}" for k, v in sorted(delta.items(), key=lambda kv: -kv[1])
                          if k != "total")
    print(f"bench.linux.idle-exits-per-timer-interrupt: {exits / interrupts:.2f} VM exits "
          f"({returns / interrupts:.2f} run returns with the VMM's own deadline and signal wake-ups) per interrupt, "
          f"{interrupts} interrupts in 30 s of guest time; by reason: {by_reason} (KVM 2.98, target at most 2)")


def loop_ticks(console: str, stamped_by_vmm: bool) -> dict[int, int]:
    """TSC ticks of each run of the loop, by run: from the VMM's stamps, or
    from the printk times at the TSC rate the kernel uses."""
    khz = None
    if not stamped_by_vmm:
        rates = TSC_RATE.findall(console)
        if not rates:
            raise BenchError("the kernel did not say its TSC rate")
        khz = int(rates[-1][0]) * 1000 + int(rates[-1][1])
    marks = {}
    for m in LOOP_MARK[stamped_by_vmm].finditer(console):
        tsc, sec, usec, which, run = m.groups()
        if stamped_by_vmm:
            at = int(tsc)
        else:
            at = (int(sec) * 1_000_000 + int(usec)) * khz // 1000
        marks[(int(run), which)] = at
    out = {run: marks[(run, "end")] - marks[(run, "start")] for run in (1, 2, 3)
           if (run, "start") in marks and (run, "end") in marks}
    if len(out) != 3:
        raise BenchError(f"expected three loop spans, found {len(out)}")
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runner", type=Path, required=True, help="tests/boot/run-boot-test")
    p.add_argument("--tenant-iso", type=Path, required=True)
    p.add_argument("--bzimage", type=Path, required=True)
    p.add_argument("--initrd", type=Path, required=True)
    p.add_argument("--only", choices=("tenant", "bare"), help="one run only (to look at it)")
    p.add_argument("--keep", type=Path, help="keep each run's console in this directory")
    args = p.parse_args(argv)

    tenant_script, bare_script = LINUX / "tenant.txt", LINUX / "bare.txt"
    loop_steps = {LOOP_STEP.search(s.read_text()).group(0) for s in (tenant_script, bare_script)}
    if len(loop_steps) != 1:
        print("linux-bench: the loop of tenant.txt and bare.txt differ", file=sys.stderr)
        return 1
    with open(LINUX / "tenant.toml", "rb") as f:
        cmdline = tomllib.load(f)["cell"][0]["cmdline"]

    failed = False
    tenant_loops = bare_loops = None
    if args.only in (None, "tenant"):
        console = run_bochs(args.runner, args.tenant_iso, tenant_script, deadline=1200, keep=args.keep)
        lines = stamped(console)
        for name, figure in (("boot", boot_figure), ("boot-phases", boot_phases), ("boot-exits", boot_exits),
                             ("idle", idle_figure)):
            try:
                figure(lines)
            except BenchError as e:
                print(f"bench.linux.{name}: not measured: {e}")
                failed = True
        if (m := MEMORY.search(console)) is not None:
            print(f"bench.linux.hypervisor-memory: {m.group(1)} KiB for the Linux cell, guest RAM excluded "
                  "(target at most 512)")
        else:
            print("bench.linux.hypervisor-memory: not measured: no system.cell.tenant line")
            failed = True
        try:
            tenant_loops = loop_ticks(console, stamped_by_vmm=True)
            loops_end, _ = find(lines, r"bench-loops-42")
            idle_end, _ = find(lines, r"bench-idle-42")
            if any(idle_end < at <= loops_end for _, at in pauses(lines)):
                raise BenchError("the cell went off the CPU during the loops: its clock ran on")
            loop_exits(lines)
        except BenchError as e:
            print(f"bench.linux.loop: not measured in the tenant: {e}")
            failed = True
            tenant_loops = None
    if args.only in (None, "bare"):
        with tempfile.TemporaryDirectory(prefix="septum-linux-bare-") as tmp:
            iso = Path(tmp) / "linux-bare.iso"
            subprocess.run([str(LINUX / "mkiso-bare"), str(iso), str(args.bzimage), str(args.initrd), cmdline],
                           check=True)
            console = run_bochs(args.runner, iso, bare_script, deadline=1500, keep=args.keep, memory=256)
        try:
            bare_loops = loop_ticks(console, stamped_by_vmm=False)
        except BenchError as e:
            print(f"bench.linux.loop: not measured bare: {e}")
            failed = True
    for name, loops in (("tenant", tenant_loops), ("bare", bare_loops)):
        if loops is not None:
            print(f"bench.linux.loop-{name}: " + ", ".join(f"{t:.4g}" for _, t in sorted(loops.items())) +
                  " instructions")
    if tenant_loops is not None and bare_loops is not None:
        ratio = min(bare_loops.values()) / min(tenant_loops.values())
        print(f"bench.linux.loop-tenant-vs-bare: {ratio:.4f} (bare / tenant, instructions of the best of three; "
              "target at least 0.99)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
