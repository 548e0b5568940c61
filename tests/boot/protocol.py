"""The boot test protocol (docs/test-protocol.md): parsing and judging.

A kernel under test writes, on its console:

    SEPTUM-TEST BEGIN <suite>
    PASS|FAIL|SKIP|INFO <check>: <detail>
    SEPTUM-TEST SUMMARY passed=<n> failed=<n> skipped=<n>
    (more suites: the kernel's boot checks, then the root task's)
    SEPTUM-TEST END

Other lines are free text and are ignored. This module turns console text
into a Report and a Report plus expectations into a list of problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BEGIN = "SEPTUM-TEST BEGIN"
SUMMARY = "SEPTUM-TEST SUMMARY"
END = "SEPTUM-TEST END"
STATUSES = ("PASS", "FAIL", "SKIP", "INFO")

_CHECK = re.compile(r"^(PASS|FAIL|SKIP|INFO) ([A-Za-z0-9_.\-]+): ?(.*)$")
_SUMMARY = re.compile(r"^SEPTUM-TEST SUMMARY passed=(\d+) failed=(\d+) skipped=(\d+)$")
_EXCEPTION = re.compile(r"^EXCEPTION (\d+) \((\S+)\) error=(0x[0-9a-f]+) rip=(0x[0-9a-f]+) cr2=(0x[0-9a-f]+)$")


@dataclass
class Check:
    status: str
    name: str
    detail: str


@dataclass
class Exception_:
    vector: int
    mnemonic: str
    error_code: int
    rip: int
    cr2: int


@dataclass
class Report:
    suites: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # (suite, counts in its SUMMARY line, counts of the lines in the suite)
    summaries: list[tuple[str, tuple[int, int, int], tuple[int, int, int]]] = field(default_factory=list)
    ended: bool = False
    exception: Exception_ | None = None
    malformed: list[str] = field(default_factory=list)
    # every line before the end marker, stripped (free text included)
    lines: list[str] = field(default_factory=list)

    def status_of(self, name: str) -> str | None:
        found = [c.status for c in self.checks if c.name == name]
        return found[-1] if found else None

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)


def parse(text: str) -> Report:
    report = Report()
    suite_start = 0  # index of the first check of the current suite
    for raw in text.splitlines():
        line = raw.strip("\r\x00 ")
        if report.ended:
            continue  # anything after the end marker is not part of the run
        report.lines.append(line)
        if line.startswith(BEGIN):
            report.suites.append(line[len(BEGIN):].strip())
            suite_start = len(report.checks)
        elif line.startswith(SUMMARY):
            m = _SUMMARY.match(line)
            if m:
                counted = _counts(report.checks[suite_start:])
                suite = report.suites[-1] if report.suites else "?"
                report.summaries.append((suite, (int(m[1]), int(m[2]), int(m[3])), counted))
            else:
                report.malformed.append(line)
        elif line == END:
            report.ended = True
        elif m := _CHECK.match(line):
            report.checks.append(Check(m[1], m[2], m[3]))
        elif m := _EXCEPTION.match(line):
            report.exception = Exception_(int(m[1]), m[2], int(m[3], 16), int(m[4], 16), int(m[5], 16))
        elif line.split(" ", 1)[0] in STATUSES:
            report.malformed.append(line)
    return report


@dataclass
class Expectations:
    # check name -> required status ("PASS", "SKIP", ...)
    require: dict[str, str] = field(default_factory=dict)
    # When set, the run must end in this unexpected kernel exception.
    exception_vector: int | None = None
    exception_cr2: int | None = None
    # free-text lines that must appear (a cell's console line, say)
    lines: list[str] = field(default_factory=list)
    # lines that must appear with at least this beginning
    line_starts: list[str] = field(default_factory=list)
    # cell -> (least, most): the share per mille each "[cell] share S ..."
    # line of a share-measuring guest (guests/share_measure.inc) must show;
    # at least one such line must come
    shares: dict[str, tuple[int, int]] = field(default_factory=dict)


def _counts(checks: list[Check]) -> tuple[int, int, int]:
    return tuple(sum(1 for c in checks if c.status == s) for s in ("PASS", "FAIL", "SKIP"))


def judge(report: Report, expect: Expectations) -> list[str]:
    """Every reason the run failed; empty when it passed."""
    problems: list[str] = []
    if not report.ended:
        problems.append("no end marker: the kernel did not finish its report")
    for line in report.malformed:
        problems.append(f"malformed protocol line: {line!r}")
    if expect.exception_vector is not None:
        problems += _judge_exception(report, expect)
        return problems
    if not report.suites:
        problems.append("no SEPTUM-TEST BEGIN line")
    for c in report.checks:
        if c.status == "FAIL":
            problems.append(f"FAIL {c.name}: {c.detail}")
    if report.ended:
        problems += _judge_summary(report)
    for name, status in expect.require.items():
        got = report.status_of(name)
        if got != status:
            problems.append(f"required {name}={status}, got {got or 'nothing'}")
    for line in expect.lines:
        if line not in report.lines:
            problems.append(f"expected the line {line!r}, which never came")
    for start in expect.line_starts:
        if not any(line.startswith(start) for line in report.lines):
            problems.append(f"expected a line starting {start!r}, which never came")
    for cell, bounds in expect.shares.items():
        problems += _judge_shares(report, cell, bounds)
    return problems


SHARE_LINE = re.compile(r"share (\d+) worst (\d+) gaps (\d+)$")


def shares_of(report: Report, cell: str) -> list[int]:
    """The shares (per mille) a cell's share-measuring guest printed."""
    prefix = f"[{cell}] "
    found = []
    for line in report.lines:
        if line.startswith(prefix):
            m = SHARE_LINE.fullmatch(line[len(prefix):])
            if m:
                found.append(int(m.group(1)))
    return found


def _judge_shares(report: Report, cell: str, bounds: tuple[int, int]) -> list[str]:
    least, most = bounds
    shares = shares_of(report, cell)
    if not shares:
        return [f"expected share lines from {cell}, which never came"]
    outside = [(i, s) for i, s in enumerate(shares, 1) if not least <= s <= most]
    if outside:
        listed = ", ".join(f"#{i}: {s}" for i, s in outside[:8])
        return [f"{cell}'s share left {least}..{most} per mille in {len(outside)} of {len(shares)} rounds ({listed})"]
    return []


def _judge_summary(report: Report) -> list[str]:
    if len(report.summaries) < len(report.suites):
        return ["no summary line" if len(report.suites) == 1 else "a suite has no summary line"]
    problems = []
    for suite, claimed, counted in report.summaries:
        if claimed != counted:
            problems.append(f"summary of {suite} {claimed} disagrees with the lines counted {counted}")
    return problems


def _judge_exception(report: Report, expect: Expectations) -> list[str]:
    e = report.exception
    if e is None:
        return [f"expected a kernel exception with vector {expect.exception_vector}, saw none"]
    problems = []
    if e.vector != expect.exception_vector:
        problems.append(f"expected exception vector {expect.exception_vector}, got {e.vector} ({e.mnemonic})")
    if expect.exception_cr2 is not None and e.cr2 != expect.exception_cr2:
        problems.append(f"expected CR2={expect.exception_cr2:#x}, got {e.cr2:#x}")
    if report.status_of("kernel.exception") != "FAIL":
        problems.append("the exception was not reported as FAIL kernel.exception")
    return problems
